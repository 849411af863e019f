import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import {
  ledgerInvariants,
  newPaidOrder,
  requestRefund,
  SUPPORT,
  waitForRefund,
} from '../support/builders.js';

/**
 * A submission that outlives its lease. The first call is refused (USER_ACCOUNT_ABNORMAL) but its answer
 * arrives late; meanwhile the lease ran out, a second submission of the same refund number was claimed,
 * and the provider accepted that one (its answer arrives later still). The late refusal must not mark
 * the refund FAILED: the provider paid it, and FAILED would hand the money back to the payment as well.
 * Found by `npm run simulate` (seeds 5243 and 10342, under load).
 */
describe('a refusal from a submission that lost its lease', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      simulators: true,
      env: {
        PROVIDER_TIMEOUT_MS: '8000',
        REFUND_LEASE_MS: '1000',
        REFUND_STALE_AFTER_MS: '300',
        REFUND_SWEEP_INTERVAL_MS: '200',
      },
    });
  }, 60_000);
  afterAll(async () => t.stop());

  const wechat = () => t.app.simulators!.wechatpay!.sim;

  it('is not applied once a later submission was claimed; the refund settles once', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_000 });
    wechat().setRefundLifecycle({ mode: 'immediate' });
    // Call 1 is refused, and its answer arrives after 2.5 s. The lease (1 s) runs out before that, so
    // the refund is submitted again (calls 2 and 3, accepted, answering after 4 s each): the stale
    // refusal lands while the refund is still PENDING and a later submission is in flight.
    wechat().addFault({ endpoint: 'refund.create', calls: [1], fault: { kind: 'latency', ms: 2_500 } });
    wechat().addFault({ endpoint: 'refund.create', calls: [1], fault: { kind: 'userAccountAbnormal' } });
    wechat().addFault({ endpoint: 'refund.create', calls: [2, 3], fault: { kind: 'latency', ms: 4_000 } });
    const refundId = (await requestRefund(t, { paymentId: paid.paymentId, amountFen: 600 })).data!
      .requestRefund.refund.id;

    const done = await waitForRefund(
      t,
      refundId,
      (r) => r.status === 'SUCCEEDED' || r.status === 'FAILED',
      30_000,
    );
    expect(wechat().refundRequests(refundId)).toBeGreaterThanOrEqual(2);
    expect(wechat().refundsCreated(refundId)).toBe(1);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    // The stale refusal is not the refund's last error either: a later submission superseded it.
    expect(done.lastErrorCode).toBeNull();

    const events = await t.gql<{ refund: { events: { toStatus: string }[] } }>(
      `query($id: ID!) { refund(id: $id) { events(first: 50) { toStatus } } }`,
      { id: refundId },
      SUPPORT,
    );
    expect(events.errors).toBeUndefined();
    expect(events.data!.refund.events.map((e) => e.toStatus)).not.toContain('FAILED');
    const payment = await t.gql<{ payment: { refunded: { minor: string }; refundable: { minor: string } } }>(
      `query($id: ID!) { payment(id: $id) { refunded { minor } refundable { minor } } }`,
      { id: paid.paymentId },
      SUPPORT,
    );
    expect(payment.data!.payment).toEqual({ refunded: { minor: '600' }, refundable: { minor: '400' } });
    expect(await ledgerInvariants(t)).toEqual({ unbalanced: [], drifted: [] });
  }, 60_000);
});
