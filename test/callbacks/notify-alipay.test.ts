/**
 * POST /notify/alipay end to end (trade_status_sync, form body, RSA2, plain `success`), plus the
 * ops-exception queue over GraphQL. The whole app, the Alipay simulator over real HTTP, real PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { beijingDateTime } from '../../src/simulators/alipay/index.js';
import { rsa2Sign, sortedParamString } from '../../src/simulators/alipay/alipay-wire.js';
import { startTestApp, type TestApp } from '../support/app.js';
import {
  alipayOf,
  assertLedgerSound,
  effects,
  eventually,
  exceptionsFor,
  FINANCE,
  inboxOf,
  newOrder,
  notifyUrl,
  OPS_EXCEPTIONS,
  refundEventSources,
  refundRow,
  requestRefundFor,
  rows,
  settledInbox,
  simulatorKeys,
  type OpsExceptionShape,
  type TestOrder,
} from './callbacks.fixtures.js';

let t: TestApp;
const sim = () => alipayOf(t).sim;

beforeAll(async () => {
  t = await startTestApp({ simulators: true });
}, 60_000);
afterAll(async () => t?.stop());
afterEach(async () => {
  sim().faults.clear();
  await assertLedgerSound(t);
});

/** Requests a refund and waits for the worker to have submitted it (PROCESSING under `holdRefunds`). */
async function submitHeldRefund(order: TestOrder, refundFen: number): Promise<string> {
  const refundId = await requestRefundFor(t, order.paymentId!, refundFen);
  await eventually(async () => (await refundRow(t, refundId))?.status === 'PROCESSING', 'refund PROCESSING');
  return refundId;
}

const deliveriesOf = (outTradeNo: string) =>
  sim()
    .notifies()
    .filter((d) => d.outTradeNo === outTradeNo);

describe('Alipay payment notify', () => {
  it('records the payment once; duplicates and a replay are acknowledged with `success` and counted', async () => {
    const order = await newOrder(t, 'ALIPAY', { amountFen: 1_888 });
    sim().faults.add({
      endpoint: 'notify.deliver',
      id: order.outTradeNo,
      fault: { kind: 'duplicate', count: 2 },
    });
    const delivery = sim().sendPaymentNotify(order.outTradeNo);
    await sim().waitForNotifies(() => delivery.attempts.length === 3);
    const replay = await sim().replayNotify(delivery.notifyId);
    expect(replay).toMatchObject({ httpStatus: 200, responseBody: 'success', acknowledged: true });
    expect(delivery.attempts.map((a) => a.responseBody)).toEqual([
      'success',
      'success',
      'success',
      'success',
    ]);

    const [row] = await settledInbox(t, order.outTradeNo, 1);
    expect(row).toMatchObject({ status: 'APPLIED', deliveries: 4, notify_id: delivery.notifyId });
    const [payment] = await rows<{ id: string; source: string; amount_minor: string }>(
      t,
      `select id, source, amount_minor from payment where out_trade_no = ?`,
      [order.outTradeNo],
    );
    expect(payment).toMatchObject({ source: 'NOTIFY', amount_minor: '1888' });
    expect((await effects(t, { paymentId: payment!.id })).paymentEntries).toBe(1);
  });

  it('a payment whose amount differs from the order is not recorded: HIGH exception, still `success`', async () => {
    const order = await newOrder(t, 'ALIPAY', { amountFen: 5_000, providerAmountFen: 6_000 });
    const delivery = sim().sendPaymentNotify(order.outTradeNo);
    const [row] = await settledInbox(t, order.outTradeNo, 1);
    expect(row!.status).toBe('EXCEPTION');
    expect(delivery.attempts[0]!.responseBody).toBe('success');
    expect(await exceptionsFor(t, order.orderId)).toMatchObject([
      {
        kind: 'NOTIFY_MISMATCH',
        severity: 'HIGH',
        channel: 'ALIPAY',
        figures: [{ field: 'amount', ours: '50.00 CNY', theirs: '60.00 CNY' }],
      },
    ]);
    expect(await rows(t, `select id from payment where out_trade_no = ?`, [order.outTradeNo])).toEqual([]);
  });
});

describe('Alipay refund notify', () => {
  /** Alipay answers PROCESSING (fund_change=N) to refunds until the test completes them. */
  function holdRefunds(): void {
    sim().faults.add({
      endpoint: 'alipay.trade.refund',
      calls: 'every',
      times: 'unlimited',
      fault: { kind: 'forceStatus', status: 'PROCESSING' },
    });
  }

  /** From now on the query API is down, so only a notify can settle the submitted refunds. */
  function queriesDown(): void {
    sim().faults.add({
      endpoint: 'alipay.trade.fastpay.refund.query',
      calls: 'every',
      times: 'unlimited',
      fault: { kind: 'httpError', status: 500, code: 'SYSTEM_ERROR', message: 'down' },
    });
  }

  it('applies the notify of a PROCESSING refund once; a replay changes nothing', async () => {
    const order = await newOrder(t, 'ALIPAY', { amountFen: 3_000, record: true });
    holdRefunds();
    const refundId = await submitHeldRefund(order, 1_000);
    expect((await refundRow(t, refundId))?.status).toBe('PROCESSING');
    queriesDown();
    sim().completeRefund(order.outTradeNo, refundId);
    await eventually(async () => (await refundRow(t, refundId))?.status === 'SUCCEEDED', 'refund SUCCEEDED');
    const before = await effects(t, { refundId, paymentId: order.paymentId! });
    const [delivery] = deliveriesOf(order.outTradeNo);
    expect(await sim().replayNotify(delivery!.notifyId)).toMatchObject({ responseBody: 'success' });
    const inbox = await settledInbox(t, order.outTradeNo, 1);
    expect(inbox.map((r) => [r.status, r.deliveries])).toEqual([['APPLIED', 2]]);
    expect(await refundEventSources(t, refundId)).toEqual([
      'PENDING:REQUEST',
      'PROCESSING:SUBMIT_RESPONSE',
      'SUCCEEDED:NOTIFY',
    ]);
    expect(await refundRow(t, refundId)).toMatchObject({ settled_by: 'PROVIDER' });
    expect(await effects(t, { refundId, paymentId: order.paymentId! })).toEqual(before);
  });

  it('out of order: the partial-refund notify after the full-refund one changes nothing backwards', async () => {
    const order = await newOrder(t, 'ALIPAY', { amountFen: 888, record: true });
    holdRefunds();
    const partial = await submitHeldRefund(order, 300);
    const rest = await submitHeldRefund(order, 588);
    sim().faults.add({ endpoint: 'notify.deliver', id: partial, fault: { kind: 'custom', name: 'reorder' } });
    queriesDown();
    sim().completeRefund(order.outTradeNo, partial);
    sim().completeRefund(order.outTradeNo, rest);
    await sim().waitForNotifies(
      (d) => d.filter((n) => n.outTradeNo === order.outTradeNo && n.acknowledged).length === 2,
    );
    expect(deliveriesOf(order.outTradeNo).map((d) => [d.outBizNo, d.tradeStatus])).toEqual([
      [partial, 'TRADE_SUCCESS'],
      [rest, 'TRADE_CLOSED'],
    ]);
    const arrival = (await inboxOf(t, order.outTradeNo)).map((r) => r.event['refundId']);
    expect(arrival).toEqual([rest, partial]);
    await settledInbox(t, order.outTradeNo, 2);
    for (const id of [partial, rest]) expect((await refundRow(t, id))?.status).toBe('SUCCEEDED');

    // Late resends of both, in the wrong order again: nothing moves.
    const before = [await effects(t, { refundId: partial }), await effects(t, { refundId: rest })];
    for (const d of deliveriesOf(order.outTradeNo)) await sim().replayNotify(d.notifyId);
    expect([await effects(t, { refundId: partial }), await effects(t, { refundId: rest })]).toEqual(before);
    expect((await inboxOf(t, order.outTradeNo)).map((r) => [r.status, r.deliveries])).toEqual([
      ['APPLIED', 2],
      ['APPLIED', 2],
    ]);
    const [orderRow] = await rows<{ refund_status: string }>(
      t,
      `select refund_status from food_order where id = ?`,
      [order.orderId],
    );
    expect(orderRow!.refund_status).toBe('REFUNDED');
  });

  it('a forged delivery gets 401 and changes nothing; the genuine resend applies', async () => {
    const order = await newOrder(t, 'ALIPAY', { amountFen: 2_000, record: true });
    holdRefunds();
    const refundId = await submitHeldRefund(order, 700);
    sim().faults.add({ endpoint: 'notify.deliver', id: refundId, fault: { kind: 'forgeSignature' } });
    queriesDown();
    sim().completeRefund(order.outTradeNo, refundId);
    await sim().waitForNotifies((d) => d.some((n) => n.outBizNo === refundId && n.attempts.length >= 1));
    const [delivery] = deliveriesOf(order.outTradeNo);
    expect(delivery!.attempts[0]).toMatchObject({ forged: true, httpStatus: 401, responseBody: 'fail' });
    expect(await inboxOf(t, order.outTradeNo)).toEqual([]);
    expect((await refundRow(t, refundId))?.status).toBe('PROCESSING');

    expect(await sim().replayNotify(delivery!.notifyId)).toMatchObject({
      forged: false,
      responseBody: 'success',
    });
    await eventually(async () => (await refundRow(t, refundId))?.status === 'SUCCEEDED', 'refund SUCCEEDED');
  });

  it('a notify_time outside ±5 minutes gets 401 and is not stored', async () => {
    const order = await newOrder(t, 'ALIPAY', { amountFen: 2_000, record: true });
    holdRefunds();
    const refundId = await submitHeldRefund(order, 900);
    sim().faults.add({
      endpoint: 'notify.deliver',
      id: refundId,
      fault: { kind: 'custom', name: 'staleTime', params: { ms: 6 * 60_000 } },
    });
    queriesDown();
    sim().completeRefund(order.outTradeNo, refundId);
    await sim().waitForNotifies((d) => d.some((n) => n.outBizNo === refundId && n.attempts.length >= 1));
    expect(deliveriesOf(order.outTradeNo)[0]!.attempts[0]).toMatchObject({
      httpStatus: 401,
      acknowledged: false,
    });
    expect(await inboxOf(t, order.outTradeNo)).toEqual([]);
    expect((await refundRow(t, refundId))?.status).toBe('PROCESSING');
  });

  it('unknown refund (made in the portal) → MEDIUM exception; cumulative refund above our payment → HIGH, refund unchanged', async () => {
    // We recorded a 50.00 payment; Alipay's trade is 80.00.
    const order = await newOrder(t, 'ALIPAY', { amountFen: 5_000, providerAmountFen: 8_000, record: true });
    const portalRefund = `portal_${randomUUID().slice(0, 8)}`;
    await t.app.providers.get('ALIPAY').refund({
      refundId: portalRefund,
      outTradeNo: order.outTradeNo,
      amountMinor: 2_000n,
      paymentTotalMinor: 8_000n,
      currency: 'CNY',
      reason: 'refunded in the merchant portal',
    });
    const [unknown] = await settledInbox(t, order.outTradeNo, 1);
    expect(unknown!.status).toBe('EXCEPTION');
    expect(deliveriesOf(order.outTradeNo)[0]!.attempts.map((a) => a.responseBody)).toEqual(['success']);
    expect(await exceptionsFor(t, portalRefund)).toMatchObject([
      { kind: 'UNKNOWN_REFUND', severity: 'MEDIUM' },
    ]);

    holdRefunds();
    const refundId = await submitHeldRefund(order, 4_000);
    const before = await effects(t, { refundId });
    queriesDown();
    sim().completeRefund(order.outTradeNo, refundId);
    const inbox = await settledInbox(t, order.outTradeNo, 2);
    expect(inbox.map((r) => r.status)).toEqual(['EXCEPTION', 'EXCEPTION']);
    expect((await refundRow(t, refundId))?.status).toBe('PROCESSING');
    expect(await effects(t, { refundId })).toEqual(before);
    expect(await exceptionsFor(t, refundId)).toMatchObject([
      {
        kind: 'NOTIFY_MISMATCH',
        severity: 'HIGH',
        referenceType: 'refund',
        figures: [
          { field: 'cumulativeRefunded', ours: 'at most 50.00 CNY (payment amount)', theirs: '60.00 CNY' },
        ],
      },
    ]);
  });
});

describe('Alipay notifies crafted with the simulator’s key', () => {
  async function post(
    params: Record<string, string>,
    tamper?: (form: URLSearchParams) => void,
  ): Promise<Response> {
    const { alipayPlatformKeyPem } = await simulatorKeys(t);
    const signed: Record<string, string> = { ...params, sign_type: 'RSA2' };
    signed['sign'] = rsa2Sign(sortedParamString(signed, ['sign', 'sign_type']), alipayPlatformKeyPem);
    const form = new URLSearchParams(signed);
    tamper?.(form);
    return fetch(notifyUrl(t, 'ALIPAY'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: form.toString(),
    });
  }

  const finished = (order: TestOrder): Record<string, string> => ({
    notify_type: 'trade_status_sync',
    notify_id: `${Date.now()}${Math.floor(Math.random() * 1e6)}`,
    notify_time: beijingDateTime(new Date()),
    app_id: alipayOf(t).app.appId,
    charset: 'utf-8',
    version: '1.0',
    trade_no: order.transactionId,
    out_trade_no: order.outTradeNo,
    trade_status: 'TRADE_FINISHED',
    total_amount: '20.00',
  });

  it('an unknown or weaker sign_type is a 400 `fail`, never a 500, and stores nothing', async () => {
    const order = await newOrder(t, 'ALIPAY', { amountFen: 2_000, record: true });
    for (const signType of ['RSA', 'MD5', 'SM2', 'rsa2', '']) {
      const res = await post(finished(order), (form) => form.set('sign_type', signType));
      expect([res.status, await res.text()], signType).toEqual([400, 'fail']);
    }
    const missing = await post(finished(order), (form) => form.delete('sign_type'));
    expect([missing.status, await missing.text()]).toEqual([400, 'fail']);
    expect(await inboxOf(t, order.outTradeNo)).toEqual([]);
  });

  it('TRADE_FINISHED is acknowledged with `success` and stored as IGNORED; a tampered copy gets 401', async () => {
    const order = await newOrder(t, 'ALIPAY', { amountFen: 2_000, record: true });
    const tampered = await post(finished(order), (form) => form.set('total_amount', '0.01'));
    expect([tampered.status, await tampered.text()]).toEqual([401, 'fail']);
    expect(await inboxOf(t, order.outTradeNo)).toEqual([]);

    const res = await post(finished(order));
    expect([res.status, await res.text()]).toEqual([200, 'success']);
    const [row] = await settledInbox(t, order.outTradeNo, 1);
    expect(row).toMatchObject({ status: 'IGNORED' });
    expect(row!.outcome).toContain('TRADE_FINISHED');
  });
});

describe('ops exceptions over GraphQL', () => {
  it('support and finance page, filter and resolve them (audited); others may not', async () => {
    const order = await newOrder(t, 'ALIPAY', { amountFen: 1_000, providerAmountFen: 1_100 });
    sim().sendPaymentNotify(order.outTradeNo);
    await settledInbox(t, order.outTradeNo, 1);
    const [exception] = await exceptionsFor(t, order.orderId);

    const forbidden = await t.gql(OPS_EXCEPTIONS, { first: 1 }, { role: 'CUSTOMER', sub: 'c_1' });
    expect(forbidden.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');

    const page = await t.gql<{
      opsExceptions: { edges: { node: OpsExceptionShape }[]; pageInfo: { hasNextPage: boolean } };
    }>(
      OPS_EXCEPTIONS,
      { first: 1, filter: { resolved: false, severity: 'HIGH', kind: 'NOTIFY_MISMATCH' } },
      { role: 'SUPPORT', sub: 'agent_7' },
    );
    expect(page.data!.opsExceptions.edges).toHaveLength(1);
    expect(page.data!.opsExceptions.edges[0]!.node).toMatchObject({
      severity: 'HIGH',
      kind: 'NOTIFY_MISMATCH',
      resolved: false,
    });

    const resolve = `mutation($id: ID!, $r: String!) { resolveOpsException(id: $id, resolution: $r) { id resolved resolution } }`;
    const done = await t.gql<{ resolveOpsException: { resolved: boolean; resolution: string } }>(
      resolve,
      { id: exception!.id, r: 'customer paid 11.00 by mistake; refunded 1.00 manually' },
      FINANCE,
    );
    expect(done.errors).toBeUndefined();
    expect(done.data!.resolveOpsException).toMatchObject({ resolved: true });
    const again = await t.gql(resolve, { id: exception!.id, r: 'again' }, FINANCE);
    expect(again.errors?.[0]?.extensions?.['code']).toBe('EXCEPTION_ALREADY_RESOLVED');
    const missing = await t.gql(resolve, { id: 'ox_missing', r: 'x' }, FINANCE);
    expect(missing.errors?.[0]?.extensions?.['code']).toBe('EXCEPTION_NOT_FOUND');
    const empty = await t.gql(resolve, { id: exception!.id, r: '  ' }, FINANCE);
    expect(empty.errors?.[0]?.extensions?.['code']).toBe('INVALID_RESOLUTION');

    const open = await t.gql<{ opsExceptions: { edges: { node: OpsExceptionShape }[] } }>(
      OPS_EXCEPTIONS,
      { first: 100, filter: { resolved: false } },
      FINANCE,
    );
    expect(open.data!.opsExceptions.edges.map((e) => e.node.id)).not.toContain(exception!.id);
    const audit = await rows(t, `select actor_id, action from audit_event where subject_id = ?`, [
      exception!.id,
    ]);
    expect(audit).toEqual([{ actor_id: 'fin_1', action: 'ops_exception.resolved' }]);
  });
});
