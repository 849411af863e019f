import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StartedAlipaySimulator } from '../../src/simulators/alipay/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import {
  ledgerInvariants,
  newPaidOrder,
  requestRefund,
  SUPPORT,
  waitForRefund,
  type TestChannel,
} from '../support/builders.js';

describe('refund lifecycle against the simulators (real HTTP, real SDKs, real PostgreSQL)', () => {
  let t: TestApp;
  const wechat = () => t.app.simulators!.wechatpay!.sim;
  const alipay = () => (t.app.simulators!.all['alipay'] as StartedAlipaySimulator).sim;

  beforeAll(async () => {
    t = await startTestApp({ simulators: true });
  }, 60_000);
  afterAll(async () => t.stop());
  afterEach(async () => {
    wechat().clearFaults();
    wechat().setRefundLifecycle({ mode: 'immediate' });
    expect(await ledgerInvariants(t)).toEqual({ unbalanced: [], drifted: [] });
  });

  it.each<TestChannel>(['WECHAT_PAY', 'ALIPAY'])(
    '%s: partial refunds summing to the total settle and mark the order REFUNDED',
    async (channel) => {
      wechat().setRefundLifecycle({ mode: 'immediate' });
      const paid = await newPaidOrder(t, { channel, amountFen: 3_000 });
      const first = await requestRefund(t, { paymentId: paid.paymentId, amountFen: 1_000 });
      expect(first.errors).toBeUndefined();
      expect(first.data!.requestRefund.refund.status).toBe('PENDING');
      await waitForRefund(t, first.data!.requestRefund.refund.id, (r) => r.status === 'SUCCEEDED');
      const second = await requestRefund(t, { paymentId: paid.paymentId, amountFen: 2_000 });
      await waitForRefund(t, second.data!.requestRefund.refund.id, (r) => r.status === 'SUCCEEDED');

      const order = await t.gql<{
        order: {
          refundStatus: string;
          payments: { refunded: { minor: string }; refundable: { minor: string } }[];
        };
      }>(
        `query($id: ID!) { order(id: $id) { refundStatus payments { refunded { minor } refundable { minor } } } }`,
        { id: paid.orderId },
        SUPPORT,
      );
      expect(order.data!.order.refundStatus).toBe('REFUNDED');
      expect(order.data!.order.payments[0]).toEqual({
        refunded: { minor: '3000' },
        refundable: { minor: '0' },
      });
      const third = await requestRefund(t, { paymentId: paid.paymentId, amountFen: 1 });
      expect(third.errors?.[0]?.extensions?.['code']).toBe('REFUND_EXCEEDS_REMAINING');

      const provider =
        channel === 'WECHAT_PAY'
          ? [
              wechat().refundsCreated(first.data!.requestRefund.refund.id),
              wechat().refundsCreated(second.data!.requestRefund.refund.id),
            ]
          : [
              alipay().fundMovements(first.data!.requestRefund.refund.id),
              alipay().fundMovements(second.data!.requestRefund.refund.id),
            ];
      expect(provider).toEqual([1, 1]);
    },
  );

  it('replays the same command and refuses the same key with other parameters', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 2_000 });
    const key = `replay-${paid.paymentId}`;
    const a = await requestRefund(t, { idempotencyKey: key, paymentId: paid.paymentId, amountFen: 500 });
    const b = await requestRefund(t, { idempotencyKey: key, paymentId: paid.paymentId, amountFen: 500 });
    expect(a.data!.requestRefund.replayed).toBe(false);
    expect(b.data!.requestRefund).toMatchObject({
      replayed: true,
      refund: { id: a.data!.requestRefund.refund.id },
    });
    const c = await requestRefund(t, { idempotencyKey: key, paymentId: paid.paymentId, amountFen: 600 });
    expect(c.errors?.[0]?.extensions?.['code']).toBe('IDEMPOTENCY_KEY_REUSED');
    // The same key from another caller is another command.
    const other = await requestRefund(
      t,
      { idempotencyKey: key, paymentId: paid.paymentId, amountFen: 600 },
      { role: 'ADMIN', sub: 'root' },
    );
    expect(other.data!.requestRefund.replayed).toBe(false);
    await waitForRefund(t, a.data!.requestRefund.refund.id, (r) => r.status === 'SUCCEEDED');
    await waitForRefund(t, other.data!.requestRefund.refund.id, (r) => r.status === 'SUCCEEDED');
  });

  it('50 concurrent calls with one key create one refund and one provider refund', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 5_000 });
    const key = `race-${paid.paymentId}`;
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        requestRefund(t, { idempotencyKey: key, paymentId: paid.paymentId, amountFen: 1_234 }),
      ),
    );
    expect(results.map((r) => r.errors)).toEqual(Array(50).fill(undefined));
    const ids = new Set(results.map((r) => r.data!.requestRefund.refund.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => !r.data!.requestRefund.replayed)).toHaveLength(1);
    const [refundId] = [...ids];
    await waitForRefund(t, refundId!, (r) => r.status === 'SUCCEEDED');
    expect(wechat().refundRequests(refundId!)).toBe(1);
    expect(wechat().refundsCreated(refundId!)).toBe(1);
  });

  it('100 concurrent partial refunds with different keys never exceed the payment', async () => {
    const paid = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 10_000 });
    const results = await Promise.all(
      Array.from({ length: 100 }, () => requestRefund(t, { paymentId: paid.paymentId, amountFen: 300 })),
    );
    const accepted = results.filter((r) => r.errors === undefined);
    const refused = results.filter((r) => r.errors !== undefined);
    expect(accepted).toHaveLength(33); // 33 × 3.00 = 99.00 ≤ 100.00 < 34 × 3.00
    expect(new Set(refused.map((r) => r.errors![0]!.extensions!['code']))).toEqual(
      new Set(['REFUND_EXCEEDS_REMAINING']),
    );
    const payment = await t.gql<{ payment: { reserved: { minor: string }; refundable: { minor: string } } }>(
      `query($id: ID!) { payment(id: $id) { reserved { minor } refundable { minor } } }`,
      { id: paid.paymentId },
      SUPPORT,
    );
    expect(payment.data!.payment).toEqual({ reserved: { minor: '9900' }, refundable: { minor: '100' } });
    for (const r of accepted)
      await waitForRefund(t, r.data!.requestRefund.refund.id, (x) => x.status === 'SUCCEEDED');
  }, 60_000);

  it('timeout after the provider applied the refund: retried with the same number, one provider refund', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_000 });
    // No notify: only the retry with the same number can tell us what happened.
    wechat().addFault({
      endpoint: 'notify.deliver',
      calls: 'every',
      times: 'unlimited',
      fault: { kind: 'drop' },
    });
    wechat().addFault({
      endpoint: 'refund.create',
      calls: [1],
      fault: { kind: 'timeoutAfterApply', hangMs: 3_000 },
    });
    const res = await requestRefund(t, { paymentId: paid.paymentId, amountFen: 1_000 });
    const refundId = res.data!.requestRefund.refund.id;
    const done = await waitForRefund(t, refundId, (r) => r.status === 'SUCCEEDED');
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(wechat().refundRequests(refundId)).toBeGreaterThanOrEqual(2);
    expect(wechat().refundsCreated(refundId)).toBe(1);
  });

  it('SYSTEM_ERROR then success: stays PENDING, retried, succeeds once', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_000 });
    wechat().addFault({
      endpoint: 'notify.deliver',
      calls: 'every',
      times: 'unlimited',
      fault: { kind: 'drop' },
    });
    wechat().addFault({ endpoint: 'refund.create', calls: [1], fault: { kind: 'systemErrorThenSuccess' } });
    const refundId = (await requestRefund(t, { paymentId: paid.paymentId, amountFen: 700 })).data!
      .requestRefund.refund.id;
    const done = await waitForRefund(t, refundId, (r) => r.status === 'SUCCEEDED');
    expect(done.attempts).toBe(2);
    expect(wechat().refundsCreated(refundId)).toBe(1);
  });

  it('stuck PROCESSING with no notify is resolved by polling', async () => {
    wechat().setRefundLifecycle({ mode: 'manual' });
    wechat().addFault({
      endpoint: 'notify.deliver',
      calls: 'every',
      times: 'unlimited',
      fault: { kind: 'drop' },
    });
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_000 });
    const refundId = (await requestRefund(t, { paymentId: paid.paymentId, amountFen: 1_000 })).data!
      .requestRefund.refund.id;
    await waitForRefund(t, refundId, (r) => r.status === 'PROCESSING');
    wechat().forceRefundStatus(refundId, 'SUCCESS');
    const done = await waitForRefund(t, refundId, (r) => r.status === 'SUCCEEDED');
    expect(done.settledBy).toBe('PROVIDER');
    const events = await t.gql<{ refundEvents: { toStatus: string; source: string }[] }>(
      `query($id: ID!) { refundEvents(refundId: $id) { toStatus source } }`,
      { id: refundId },
      SUPPORT,
    );
    expect(events.data!.refundEvents).toEqual([
      { toStatus: 'PENDING', source: 'REQUEST' },
      { toStatus: 'PROCESSING', source: 'SUBMIT_RESPONSE' },
      { toStatus: 'SUCCEEDED', source: 'POLL' },
    ]);
  });

  it('ABNORMAL goes to support, who settle it manually', async () => {
    wechat().setRefundLifecycle({ mode: 'immediate', outcome: 'ABNORMAL' });
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_000 });
    const refundId = (await requestRefund(t, { paymentId: paid.paymentId, amountFen: 400 })).data!
      .requestRefund.refund.id;
    await waitForRefund(t, refundId, (r) => r.status === 'ABNORMAL');
    const queue = await t.gql<{ refunds: { edges: { node: { id: string } }[] } }>(
      `{ refunds(filter: { status: ABNORMAL }, first: 100) { edges { node { id } } } }`,
      {},
      SUPPORT,
    );
    expect(queue.data!.refunds.edges.map((e) => e.node.id)).toContain(refundId);
    const customer = { role: 'CUSTOMER', sub: paid.customerId } as const;
    const denied = await t.gql(
      `mutation($id: ID!) { settleRefundManually(refundId: $id, note: "x") { id } }`,
      { id: refundId },
      customer,
    );
    expect(denied.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const settled = await t.gql<{ settleRefundManually: { status: string; settledBy: string } }>(
      `mutation($id: ID!) { settleRefundManually(refundId: $id, note: "paid to the customer's new card offline") { status settledBy } }`,
      { id: refundId },
      SUPPORT,
    );
    expect(settled.data!.settleRefundManually).toEqual({ status: 'SUCCEEDED', settledBy: 'MANUAL' });
    const again = await t.gql(
      `mutation($id: ID!) { closeRefund(refundId: $id, reason: "late") { id } }`,
      { id: refundId },
      SUPPORT,
    );
    expect(again.errors?.[0]?.extensions?.['code']).toBe('INVALID_TRANSITION');
    const notes = await t.gql<{ myNotifications: { edges: { node: { kind: string } }[] } }>(
      `{ myNotifications(first: 10) { edges { node { kind } } } }`,
      {},
      customer,
    );
    expect(notes.errors).toBeUndefined();
    expect(notes.data!.myNotifications.edges.map((e) => e.node.kind)).toEqual([
      'REFUND_SUCCEEDED',
      'REFUND_ABNORMAL',
    ]);

    // Who settled it: the back office sees the agent, the customer only that support did.
    const eventsQuery = `query($id: ID!) { refundEvents(refundId: $id) { toStatus source actorId actorRole } }`;
    type Events = {
      refundEvents: { toStatus: string; source: string; actorId: string | null; actorRole: string }[];
    };
    const bySupport = await t.gql<Events>(eventsQuery, { id: refundId }, SUPPORT);
    const manual = bySupport.data!.refundEvents.find((e) => e.source === 'SUPPORT');
    expect(manual).toMatchObject({ toStatus: 'SUCCEEDED', actorId: SUPPORT.sub, actorRole: 'SUPPORT' });
    const byCustomer = await t.gql<Events>(eventsQuery, { id: refundId }, customer);
    expect(byCustomer.errors).toBeUndefined();
    expect(byCustomer.data!.refundEvents).toHaveLength(bySupport.data!.refundEvents.length);
    expect(byCustomer.data!.refundEvents.find((e) => e.source === 'SUPPORT')).toEqual({
      toStatus: 'SUCCEEDED',
      source: 'SUPPORT',
      actorId: null,
      actorRole: 'SUPPORT',
    });
    expect(JSON.stringify(byCustomer.data)).not.toContain(SUPPORT.sub);
  });

  it('CLOSED releases the reservation so the money can be refunded again', async () => {
    wechat().setRefundLifecycle({ mode: 'immediate', outcome: 'CLOSED' });
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_000 });
    const refundId = (await requestRefund(t, { paymentId: paid.paymentId, amountFen: 1_000 })).data!
      .requestRefund.refund.id;
    await waitForRefund(t, refundId, (r) => r.status === 'CLOSED');
    const payment = await t.gql<{ payment: { reserved: { minor: string }; refundable: { minor: string } } }>(
      `query($id: ID!) { payment(id: $id) { reserved { minor } refundable { minor } } }`,
      { id: paid.paymentId },
      SUPPORT,
    );
    expect(payment.data!.payment).toEqual({ reserved: { minor: '0' }, refundable: { minor: '1000' } });
    wechat().setRefundLifecycle({ mode: 'immediate' });
    const retry = await requestRefund(t, { paymentId: paid.paymentId, amountFen: 1_000 });
    await waitForRefund(t, retry.data!.requestRefund.refund.id, (r) => r.status === 'SUCCEEDED');
  });

  it('a definitive refusal fails the refund and releases the money', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_000 });
    wechat().addFault({ endpoint: 'refund.create', calls: [1], fault: { kind: 'userAccountAbnormal' } });
    const refundId = (await requestRefund(t, { paymentId: paid.paymentId, amountFen: 800 })).data!
      .requestRefund.refund.id;
    const failed = await waitForRefund(t, refundId, (r) => r.status === 'FAILED');
    expect(failed.lastErrorCode).toBe('USER_ACCOUNT_ABNORMAL');
    expect(wechat().refundsCreated(refundId)).toBe(0);
  });

  it('shows customers only their own refunds', async () => {
    const mine = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 900, customerId: 'c_alice' });
    const theirs = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 900, customerId: 'c_bob' });
    const a = (await requestRefund(t, { paymentId: mine.paymentId, amountFen: 100 })).data!.requestRefund
      .refund.id;
    const b = (await requestRefund(t, { paymentId: theirs.paymentId, amountFen: 100 })).data!.requestRefund
      .refund.id;
    const alice = { role: 'CUSTOMER', sub: 'c_alice' } as const;
    const list = await t.gql<{ refunds: { edges: { node: { id: string } }[] } }>(
      `{ refunds(first: 50) { edges { node { id } } } }`,
      {},
      alice,
    );
    const ids = list.data!.refunds.edges.map((e) => e.node.id);
    expect(ids).toContain(a);
    expect(ids).not.toContain(b);
    const direct = await t.gql<{ refund: unknown; order: unknown }>(
      `query($r: ID!, $o: ID!) { refund(id: $r) { id } order(id: $o) { id } }`,
      { r: b, o: theirs.orderId },
      alice,
    );
    expect(direct.data).toEqual({ refund: null, order: null });
    const asCustomer = await requestRefund(t, { paymentId: mine.paymentId, amountFen: 100 }, alice);
    expect(asCustomer.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    await waitForRefund(t, a, (r) => r.status === 'SUCCEEDED');
    await waitForRefund(t, b, (r) => r.status === 'SUCCEEDED');
  });
});
