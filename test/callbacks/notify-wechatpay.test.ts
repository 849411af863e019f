/**
 * POST /notify/wechatpay end to end: the whole app (api + worker), the WeChat Pay simulator sending
 * signed, encrypted notifies over real HTTP, real PostgreSQL. No mocks.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  gcmEncrypt,
  randomNonce32,
  responseMessage,
  rsaSign,
} from '../../src/simulators/wechatpay/wechatpay-crypto.js';
import { startTestApp, type TestApp } from '../support/app.js';
import {
  assertLedgerSound,
  effects,
  eventually,
  exceptionsFor,
  inboxOf,
  newOrder,
  notifyUrl,
  refundEventSources,
  refundRow,
  requestRefundFor,
  settledInbox,
  simulatorKeys,
  wechatOf,
  type TestOrder,
} from './callbacks.fixtures.js';

let t: TestApp;
const sim = () => wechatOf(t).sim;

beforeAll(async () => {
  t = await startTestApp({ simulators: true });
}, 60_000);
afterAll(async () => t?.stop());
afterEach(async () => {
  sim().clearFaults();
  await assertLedgerSound(t);
});

/**
 * A paid order and a refund the worker has submitted (PROCESSING at both sides). The simulator waits
 * for us to settle it, and its query API is down, so only a notify can move the refund on.
 */
async function processingRefund(
  amountFen = 3_000,
  refundFen = 1_000,
): Promise<{ order: TestOrder; refundId: string }> {
  sim().setRefundLifecycle({ mode: 'manual' });
  const order = await newOrder(t, 'WECHAT_PAY', { amountFen, record: true });
  const refundId = await requestRefundFor(t, order.paymentId!, refundFen);
  sim().addFault({
    endpoint: 'refund.query',
    id: refundId,
    calls: 'every',
    times: 'unlimited',
    fault: { kind: 'httpError', status: 500, code: 'SYSTEM_ERROR', message: '系统错误' },
  });
  await eventually(async () => (await refundRow(t, refundId))?.status === 'PROCESSING', 'refund PROCESSING');
  return { order, refundId };
}

const deliveriesFor = (id: string) =>
  sim()
    .notifyDeliveries()
    .filter((d) => d.outRefundNo === id || (d.outRefundNo === undefined && d.outTradeNo === id));

describe('WeChat Pay payment notify', () => {
  it('records the payment once; a duplicate and a replay are acknowledged and counted, nothing twice', async () => {
    const order = await newOrder(t, 'WECHAT_PAY', { amountFen: 2_580 });
    sim().addFault({
      endpoint: 'notify.deliver',
      id: order.outTradeNo,
      fault: { kind: 'duplicate', count: 2 },
    });
    const delivery = sim().sendPaymentNotify(order.outTradeNo);
    const [row] = await settledInbox(t, order.outTradeNo, 1);
    expect(row).toMatchObject({ channel: 'WECHAT_PAY', status: 'APPLIED', notify_id: delivery.notifyId });
    await sim().notifiesIdle();
    const replay = await sim().replayNotify(delivery.deliveryId);
    expect(replay.status).toBe(204);
    expect(delivery.attempts.map((a) => [a.variant, a.status])).toEqual([
      ['normal', 204],
      ['duplicate', 204],
      ['duplicate', 204],
      ['replay', 204],
    ]);

    const inbox = await inboxOf(t, order.outTradeNo);
    expect(inbox).toHaveLength(1);
    expect(inbox[0]!.deliveries).toBe(4);
    const [payment] = await t.app.orm.em
      .fork()
      .getConnection()
      .execute<{ id: string; source: string; amount_minor: string; provider_transaction_id: string }[]>(
        `select id, source, amount_minor, provider_transaction_id from payment where out_trade_no = ?`,
        [order.outTradeNo],
      );
    expect(payment).toMatchObject({
      source: 'NOTIFY',
      amount_minor: '2580',
      provider_transaction_id: order.transactionId,
    });
    expect((await effects(t, { paymentId: payment!.id })).paymentEntries).toBe(1);
  });

  it('a payment whose amount differs from the order is not recorded: HIGH exception, still acknowledged', async () => {
    const order = await newOrder(t, 'WECHAT_PAY', { amountFen: 5_000, providerAmountFen: 4_000 });
    const delivery = sim().sendPaymentNotify(order.outTradeNo);
    const [row] = await settledInbox(t, order.outTradeNo, 1);
    expect(row!.status).toBe('EXCEPTION');
    expect(delivery.attempts[0]!.status).toBe(204);
    const [exception] = await exceptionsFor(t, order.orderId);
    expect(exception).toMatchObject({
      kind: 'NOTIFY_MISMATCH',
      severity: 'HIGH',
      channel: 'WECHAT_PAY',
      referenceType: 'order',
      notifyId: delivery.notifyId,
      resolved: false,
      figures: [{ field: 'amount', ours: '50.00 CNY', theirs: '40.00 CNY' }],
    });
    const payments = await t.app.orm.em
      .fork()
      .getConnection()
      .execute(`select id from payment where out_trade_no = ?`, [order.outTradeNo]);
    expect(payments).toEqual([]);
  });
});

describe('WeChat Pay refund notify', () => {
  it('REFUND.SUCCESS applies; duplicates and a replay change nothing more', async () => {
    const { order, refundId } = await processingRefund();
    sim().addFault({ endpoint: 'notify.deliver', id: refundId, fault: { kind: 'duplicate', count: 2 } });
    sim().forceRefundStatus(refundId, 'SUCCESS');
    await eventually(async () => (await refundRow(t, refundId))?.status === 'SUCCEEDED', 'refund SUCCEEDED');
    await sim().notifiesIdle();
    const before = await effects(t, { refundId, paymentId: order.paymentId! });
    const [delivery] = deliveriesFor(refundId);
    expect((await sim().replayNotify(delivery!.deliveryId)).status).toBe(204);
    await settledInbox(t, order.outTradeNo, 1);

    expect(await refundRow(t, refundId)).toMatchObject({ status: 'SUCCEEDED', settled_by: 'PROVIDER' });
    expect(await refundEventSources(t, refundId)).toEqual([
      'PENDING:REQUEST',
      'PROCESSING:SUBMIT_RESPONSE',
      'SUCCEEDED:NOTIFY',
    ]);
    const inbox = await inboxOf(t, order.outTradeNo);
    expect(inbox.map((r) => [r.status, r.deliveries])).toEqual([['APPLIED', 4]]);
    expect(await effects(t, { refundId, paymentId: order.paymentId! })).toEqual(before);
    // refund approved + refund succeeded, each once.
    expect(before.refundEntries).toBe(2);
  });

  it('notify before the API response: a refund still PENDING at our side goes straight to SUCCEEDED', async () => {
    sim().setRefundLifecycle({ mode: 'manual' });
    const order = await newOrder(t, 'WECHAT_PAY', { amountFen: 2_000, record: true });
    // WeChat applies every submission but our side never sees an answer: the refund stays PENDING.
    sim().addFault({
      endpoint: 'refund.create',
      calls: 'every',
      times: 'unlimited',
      fault: { kind: 'timeoutAfterApply', hangMs: 3_000 },
    });
    const refundId = await requestRefundFor(t, order.paymentId!, 800);
    await eventually(async () => sim().getRefund(refundId), 'refund applied at WeChat');
    expect((await refundRow(t, refundId))?.status).toBe('PENDING');
    sim().forceRefundStatus(refundId, 'SUCCESS');
    await eventually(async () => (await refundRow(t, refundId))?.status === 'SUCCEEDED', 'refund SUCCEEDED');
    expect(await refundEventSources(t, refundId)).toEqual(['PENDING:REQUEST', 'SUCCEEDED:NOTIFY']);
    expect(sim().refundsCreated(refundId)).toBe(1);
  });

  it('out of order: ABNORMAL delivered after SUCCESS leaves the refund SUCCEEDED', async () => {
    const { order, refundId } = await processingRefund();
    sim().holdNotifies();
    sim().forceRefundStatus(refundId, 'ABNORMAL');
    sim().forceRefundStatus(refundId, 'SUCCESS');
    await sim().releaseNotifies('reverse');
    expect(deliveriesFor(refundId).map((d) => [d.eventType, d.attempts.at(-1)?.status])).toEqual([
      ['REFUND.ABNORMAL', 204],
      ['REFUND.SUCCESS', 204],
    ]);
    const inbox = await settledInbox(t, order.outTradeNo, 2);
    expect(inbox.map((r) => r.status).sort()).toEqual(['APPLIED', 'IGNORED']);
    expect(await refundRow(t, refundId)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await refundEventSources(t, refundId)).toEqual([
      'PENDING:REQUEST',
      'PROCESSING:SUBMIT_RESPONSE',
      'SUCCEEDED:NOTIFY',
    ]);
  });

  it('forged signature, corrupted ciphertext and a SIGNTEST probe get 401; the genuine delivery then applies', async () => {
    const { order, refundId } = await processingRefund();
    for (const kind of ['forgeSignature', 'corruptCiphertext', 'signatureProbe'] as const) {
      sim().addFault({ endpoint: 'notify.deliver', id: refundId, fault: { kind } });
    }
    sim().forceRefundStatus(refundId, 'SUCCESS');
    await eventually(async () => (await refundRow(t, refundId))?.status === 'SUCCEEDED', 'refund SUCCEEDED');
    await sim().notifiesIdle();
    const [delivery] = deliveriesFor(refundId);
    expect(delivery!.attempts.map((a) => [a.variant, a.status])).toEqual([
      ['forged', 401],
      ['corrupt', 401],
      ['probe', 401],
      ['normal', 204],
    ]);
    expect(delivery!.taintedAccepted).toBe(false);
    // Only the genuine delivery reached the inbox.
    expect((await inboxOf(t, order.outTradeNo)).map((r) => [r.status, r.deliveries])).toEqual([
      ['APPLIED', 1],
    ]);
  });

  it('a notify for a refund we never made is recorded as an exception and acknowledged', async () => {
    sim().setRefundLifecycle({ mode: 'manual' });
    const order = await newOrder(t, 'WECHAT_PAY', { amountFen: 2_000, record: true });
    const portalRefund = `portal_${randomUUID().slice(0, 8)}`;
    await t.app.providers.get('WECHAT_PAY').refund({
      refundId: portalRefund,
      outTradeNo: order.outTradeNo,
      amountMinor: 500n,
      paymentTotalMinor: 2_000n,
      currency: 'CNY',
      reason: 'refunded in the merchant portal',
      notifyUrl: notifyUrl(t, 'WECHAT_PAY'),
    });
    sim().forceRefundStatus(portalRefund, 'SUCCESS');
    const [row] = await settledInbox(t, order.outTradeNo, 1);
    expect(row!.status).toBe('EXCEPTION');
    expect(deliveriesFor(portalRefund)[0]!.attempts.map((a) => a.status)).toEqual([204]);
    expect(await exceptionsFor(t, portalRefund)).toMatchObject([
      { kind: 'UNKNOWN_REFUND', severity: 'MEDIUM', referenceType: 'refund', resolved: false },
    ]);
  });
});

describe('WeChat Pay notifies crafted with the simulator’s keys', () => {
  /** Posts a REFUND.<status> notify for `refundId`, signed as the simulator would, with overrides. */
  async function post(
    order: TestOrder,
    refundId: string,
    options: { refundFen: number; timestamp?: number; signingKeyPem?: string; corrupt?: boolean },
  ): Promise<Response> {
    const s = wechatOf(t);
    const keys = await simulatorKeys(t);
    const resource = {
      mchid: s.merchant.mchid,
      transaction_id: order.transactionId,
      out_trade_no: order.outTradeNo,
      refund_id: s.sim.getRefund(refundId)!.refundId,
      out_refund_no: refundId,
      refund_status: 'SUCCESS',
      success_time: new Date().toISOString(),
      amount: {
        total: order.amountFen,
        refund: options.refundFen,
        payer_total: order.amountFen,
        payer_refund: options.refundFen,
      },
    };
    const sealed = gcmEncrypt(s.merchant.apiV3Key, JSON.stringify(resource), 'refund');
    const flipped = `${sealed.ciphertext.startsWith('A') ? 'B' : 'A'}${sealed.ciphertext.slice(1)}`;
    const encrypted = options.corrupt ? { ...sealed, ciphertext: flipped } : sealed;
    const body = JSON.stringify({
      id: randomUUID(),
      create_time: new Date().toISOString(),
      resource_type: 'encrypt-resource',
      event_type: 'REFUND.SUCCESS',
      summary: '退款成功',
      resource: { original_type: 'refund', ...encrypted },
    });
    const ts = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const nonce = randomNonce32();
    return fetch(notifyUrl(t, 'WECHAT_PAY'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'wechatpay-timestamp': ts,
        'wechatpay-nonce': nonce,
        'wechatpay-serial': s.platform.publicKeyId,
        'wechatpay-signature': rsaSign(
          responseMessage(ts, nonce, body),
          options.signingKeyPem ?? keys.wechatPlatformKeyPem,
        ),
        'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
      },
      body,
    });
  }

  it('outside ±5 minutes, wrongly signed or tampered: 401 and nothing stored; in time and genuine: 204', async () => {
    const { order, refundId } = await processingRefund();
    const before = await effects(t, { refundId });
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    const inSixMinutes = Math.floor(Date.now() / 1000) + 6 * 60;

    for (const options of [
      { timestamp: sixMinutesAgo },
      { timestamp: inSixMinutes },
      { signingKeyPem: stranger },
      { corrupt: true },
    ]) {
      const res = await post(order, refundId, { refundFen: 1_000, ...options });
      expect(res.status, JSON.stringify(Object.keys(options))).toBe(401);
      expect(await res.json()).toEqual({ code: 'FAIL', message: '失败' });
    }
    expect(await inboxOf(t, order.outTradeNo)).toEqual([]);
    expect(await refundRow(t, refundId)).toMatchObject({ status: 'PROCESSING' });
    expect(await effects(t, { refundId })).toEqual(before);

    const ok = await post(order, refundId, {
      refundFen: 1_000,
      timestamp: Math.floor(Date.now() / 1000) - 4 * 60,
    });
    expect(ok.status).toBe(204);
    expect(await ok.text()).toBe('');
    await eventually(async () => (await refundRow(t, refundId))?.status === 'SUCCEEDED', 'refund SUCCEEDED');
  });

  it('a signed notify whose amount differs from our refund: HIGH exception via GraphQL, refund unchanged', async () => {
    const { order, refundId } = await processingRefund(3_000, 1_000);
    const before = await effects(t, { refundId });
    const res = await post(order, refundId, { refundFen: 1_200 });
    expect(res.status).toBe(204);
    const [row] = await settledInbox(t, order.outTradeNo, 1);
    expect(row!.status).toBe('EXCEPTION');
    expect(await refundRow(t, refundId)).toMatchObject({ status: 'PROCESSING' });
    expect(await effects(t, { refundId })).toEqual(before);
    expect(await exceptionsFor(t, refundId)).toMatchObject([
      {
        kind: 'NOTIFY_MISMATCH',
        severity: 'HIGH',
        channel: 'WECHAT_PAY',
        referenceType: 'refund',
        figures: [{ field: 'refundAmount', ours: '10.00 CNY', theirs: '12.00 CNY' }],
      },
    ]);
  });

  it('rejects a malformed body with 400 and an unknown content with 401, storing nothing', async () => {
    const garbage = await fetch(notifyUrl(t, 'WECHAT_PAY'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(garbage.status).toBe(401); // no signature headers: refused before parsing
    const huge = await fetch(notifyUrl(t, 'WECHAT_PAY'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(100 * 1024),
    });
    expect(huge.status).toBe(413);
  });
});
