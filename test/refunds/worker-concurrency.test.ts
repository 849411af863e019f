import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder, requestRefund, waitForRefund, type TestChannel } from '../support/builders.js';

/**
 * Submissions proceed independently: a provider call that hangs holds one slot of its provider, never
 * a batch of other refunds, and never the other provider.
 */
describe('refund worker concurrency', () => {
  let t: TestApp;
  const HUNG = 6;
  const HANG_MS = 15_000;

  beforeAll(async () => {
    // A provider timeout longer than the hang: the hung calls stay in flight for the whole test.
    t = await startTestApp({
      simulators: true,
      env: { PROVIDER_TIMEOUT_MS: '30000', REFUND_LEASE_MS: '40000', REFUND_STALE_AFTER_MS: '60000' },
    });
  }, 60_000);
  afterAll(async () => t.stop());

  const wechat = () => t.app.simulators!.wechatpay!.sim;

  async function refund(channel: TestChannel): Promise<string> {
    const paid = await newPaidOrder(t, { channel, amountFen: 2_000 });
    const result = await requestRefund(t, { paymentId: paid.paymentId, amountFen: 500 });
    expect(result.errors).toBeUndefined();
    return result.data!.requestRefund.refund.id;
  }

  it('hung WeChat calls do not stop other refunds of either provider', async () => {
    wechat().addFault({
      endpoint: 'refund.create',
      calls: Array.from({ length: HUNG }, (_, i) => i + 1),
      fault: { kind: 'timeoutBeforeApply', hangMs: HANG_MS },
    });
    const hung = await Promise.all(Array.from({ length: HUNG }, () => refund('WECHAT_PAY')));
    const deadline = Date.now() + 10_000;
    while (wechat().faultHistory().length < HUNG && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(wechat().faultHistory().length).toBe(HUNG);
    const started = Date.now();

    const others = await Promise.all(
      Array.from({ length: 16 }, (_, i) => refund(i % 2 === 0 ? 'WECHAT_PAY' : 'ALIPAY')),
    );
    // Submitted: the provider accepted it (PROCESSING) or it already settled.
    for (const id of others) {
      await waitForRefund(t, id, (r) => r.status !== 'PENDING', HANG_MS / 2);
    }
    expect(Date.now() - started).toBeLessThan(HANG_MS / 2);
    for (const id of hung) {
      await expect(waitForRefund(t, id, (r) => r.status === 'PENDING', 1_000)).resolves.toBeTruthy();
    }
  }, 60_000);
});
