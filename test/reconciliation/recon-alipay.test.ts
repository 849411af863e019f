import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedAlipaySimulator } from '../../src/simulators/alipay/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder, requestRefund, waitForRefund } from '../support/builders.js';
import {
  businessToday,
  itemsOf,
  paidWithRefund,
  reconcile,
  summary,
  TEST_TIMING_WINDOW_MS,
  MIDNIGHT_WAIT_MS,
} from './recon.fixtures.js';

/**
 * The Alipay twin of the WeChat test: a GBK zip bill with one injected difference of every category
 * (Alipay lists only completed refunds, so its STATUS_MISMATCH is a refund the provider paid that our
 * ledger holds as not paid).
 */
let t: TestApp;
let ali: StartedAlipaySimulator;
let today: string;
let yesterday: string;
const keys: Record<string, string> = {};

beforeAll(async () => {
  ({ today, yesterday } = await businessToday());
  t = await startTestApp({
    simulators: true,
    env: { RECON_TIMING_WINDOW_MS: String(TEST_TIMING_WINDOW_MS) },
  });
  ali = t.app.simulators!.all['alipay'] as StartedAlipaySimulator;
  const clean = await paidWithRefund(t, 'ALIPAY', 10_000, 2_500);
  const amount = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 20_000 });
  const fee = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 30_000 });
  const dup = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 4_000 });
  const missing = await paidWithRefund(t, 'ALIPAY', 6_000, 600);
  const midnight = await paidWithRefund(t, 'ALIPAY', 7_000, 700);
  const refused = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 5_000 });
  ali.sim.faults.add({ endpoint: 'alipay.trade.refund', fault: { kind: 'userAccountAbnormal' } });
  const req = await requestRefund(t, { paymentId: refused.paymentId, amountFen: 1_000 });
  const refusedId = req.data!.requestRefund.refund.id;
  await waitForRefund(t, refusedId, (r) => r.status !== 'PENDING' && r.status !== 'PROCESSING');
  Object.assign(keys, {
    amount: amount.outTradeNo,
    fee: fee.outTradeNo,
    dup: dup.outTradeNo,
    missing: missing.refundId,
    midnight: midnight.refundId,
    refused: refusedId,
  });
  ali.sim.editStatement(today, {
    patchRows: [
      { match: { outTradeNo: amount.outTradeNo, kind: '交易' }, set: { amountFen: 19_900n } },
      { match: { outTradeNo: fee.outTradeNo, kind: '交易' }, set: { feeFen: -190n } },
    ],
    duplicateRows: [{ outTradeNo: dup.outTradeNo, kind: '交易' }],
    removeRows: [{ refundNo: missing.refundId }, { refundNo: midnight.refundId }],
    addRows: [
      { outTradeNo: clean.order.outTradeNo, kind: '退款', amountFen: 300n, refundNo: 'PORTAL-REFUND-A' },
      { outTradeNo: refused.outTradeNo, kind: '退款', amountFen: 1_000n, refundNo: refusedId },
    ],
  });
  // Completed by Alipay at 23:59:59 yesterday (listed on yesterday's bill); our ledger settled it today.
  ali.sim.editStatement(yesterday, {
    addRows: [
      {
        outTradeNo: midnight.order.outTradeNo,
        kind: '退款',
        amountFen: 700n,
        refundNo: midnight.refundId,
        completedAt: `${yesterday}T23:59:59+08:00`,
      },
    ],
  });
  // Alipay serves a day's bill only once the day is over: move its clock to tomorrow.
  ali.sim.clock.advance(86_400_000);
  for (const day of [today, yesterday]) ali.sim.setBillReadyAt(day, new Date(`${day}T00:00:00+08:00`));
}, MIDNIGHT_WAIT_MS + 120_000);

afterAll(async () => t?.stop());

describe('Alipay reconciliation, end to end', () => {
  it('yesterday: the refund completed at 23:59:59 and settled in our ledger after midnight is TIMING', async () => {
    const outcome = await reconcile(t, 'alipay', yesterday);
    if (outcome.status !== 'COMPLETED') throw new Error(outcome.status);
    expect(summary(await itemsOf(t, outcome.runId))).toEqual([`TIMING REFUND ${keys['midnight']}`]);
  });

  it('today: every injected difference, with its category, and nothing else', async () => {
    const outcome = await reconcile(t, 'alipay', today);
    if (outcome.status !== 'COMPLETED') throw new Error(outcome.status);
    expect(outcome.unresolved).toBe(6);
    expect(summary(await itemsOf(t, outcome.runId))).toEqual(
      [
        `AMOUNT_MISMATCH PAYMENT ${keys['amount']}`,
        `DUPLICATE PAYMENT ${keys['dup']}`,
        `FEE_MISMATCH PAYMENT ${keys['fee']}`,
        `MISSING_AT_PROVIDER REFUND ${keys['missing']}`,
        `MISSING_IN_LEDGER REFUND PORTAL-REFUND-A`,
        `STATUS_MISMATCH REFUND ${keys['refused']}`,
      ].sort(),
    );
    const [timing] = await t.app.orm.em
      .fork()
      .getConnection()
      .execute<{ status: string }[]>(
        `select status from recon_item where bill_date = ? and category = 'TIMING'`,
        [yesterday],
      );
    expect(timing?.status).toBe('AUTO_CLOSED');
  });
});
