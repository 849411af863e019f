import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedWechatPaySimulator } from '../../src/simulators/wechatpay/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder } from '../support/builders.js';
import {
  businessToday,
  TEST_TIMING_WINDOW_MS,
  itemsOf,
  paidWithRefund,
  reconcile,
  summary,
  MIDNIGHT_WAIT_MS,
} from './recon.fixtures.js';

/**
 * A seeded day at the WeChat Pay simulator with one injected difference of every category, reached
 * through the real flows (GraphQL, worker, signed notifies, the SDK's bill download): every injected
 * difference is found with its category, and nothing else.
 */
let t: TestApp;
let wx: StartedWechatPaySimulator;
let today: string;
let yesterday: string;
const keys: Record<string, string> = {};

beforeAll(async () => {
  ({ today, yesterday } = await businessToday());
  t = await startTestApp({
    simulators: true,
    env: { RECON_TIMING_WINDOW_MS: String(TEST_TIMING_WINDOW_MS) },
  });
  wx = t.app.simulators!.wechatpay!;
  const clean = await paidWithRefund(t, 'WECHAT_PAY', 10_000, 2_500);
  const amount = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 20_000 });
  const fee = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 30_000 });
  const frozen = await paidWithRefund(t, 'WECHAT_PAY', 5_000, 1_000);
  const dup = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 4_000 });
  const missing = await paidWithRefund(t, 'WECHAT_PAY', 6_000, 600);
  const midnight = await paidWithRefund(t, 'WECHAT_PAY', 7_000, 700);
  Object.assign(keys, {
    clean: clean.order.outTradeNo,
    amount: amount.outTradeNo,
    fee: fee.outTradeNo,
    frozen: frozen.refundId,
    dup: dup.outTradeNo,
    missing: missing.refundId,
    midnight: midnight.refundId,
  });
  const sim = wx.sim;
  sim.editStatement(today, { op: 'alterRows', outTradeNo: amount.outTradeNo, amountFen: 19_900 });
  sim.editStatement(today, { op: 'alterRows', outTradeNo: fee.outTradeNo, feeE5: 190_000 });
  sim.editStatement(today, { op: 'alterRows', outRefundNo: frozen.refundId, refundStatus: 'PROCESSING' });
  sim.editStatement(today, { op: 'duplicateRows', outTradeNo: dup.outTradeNo });
  sim.editStatement(today, {
    op: 'addRow',
    kind: 'REFUND',
    outTradeNo: clean.order.outTradeNo,
    outRefundNo: 'PORTAL-REFUND-1',
    amountFen: 300,
    tradeTime: `${today}T11:00:00+08:00`,
  });
  sim.editStatement(today, { op: 'removeRows', outRefundNo: missing.refundId });
  // Accepted by WeChat at 23:59:59 yesterday (so listed on yesterday's bill), settled in our ledger today.
  sim.editStatement(today, { op: 'removeRows', outRefundNo: midnight.refundId });
  sim.editStatement(yesterday, {
    op: 'addRow',
    kind: 'REFUND',
    outTradeNo: midnight.order.outTradeNo,
    outRefundNo: midnight.refundId,
    amountFen: 700,
    tradeTime: `${yesterday}T23:59:59+08:00`,
  });
  sim.setBillReadyTime(today, new Date());
  sim.setBillReadyTime(yesterday, new Date());
}, MIDNIGHT_WAIT_MS + 120_000);

afterAll(async () => t?.stop());

describe('WeChat Pay reconciliation, end to end', () => {
  it('yesterday: the refund accepted at 23:59:59 and settled after midnight is TIMING', async () => {
    const outcome = await reconcile(t, 'wechatpay', yesterday);
    expect(outcome).toMatchObject({ status: 'COMPLETED', discrepancies: 1, unresolved: 1 });
    if (outcome.status !== 'COMPLETED') return;
    expect(summary(await itemsOf(t, outcome.runId))).toEqual([`TIMING REFUND ${keys['midnight']}`]);
  });

  it('today: every injected difference, with its category, and nothing else; yesterday’s TIMING closes', async () => {
    const outcome = await reconcile(t, 'wechatpay', today);
    if (outcome.status !== 'COMPLETED') throw new Error(outcome.status);
    const items = await itemsOf(t, outcome.runId);
    expect(summary(items)).toEqual(
      [
        `AMOUNT_MISMATCH PAYMENT ${keys['amount']}`,
        `DUPLICATE PAYMENT ${keys['dup']}`,
        `FEE_MISMATCH PAYMENT ${keys['fee']}`,
        `MISSING_AT_PROVIDER REFUND ${keys['missing']}`,
        `MISSING_IN_LEDGER REFUND PORTAL-REFUND-1`,
        `STATUS_MISMATCH REFUND ${keys['frozen']}`,
      ].sort(),
    );
    const byCategory = Object.fromEntries(items.map((i) => [i.category, i]));
    expect(byCategory['AMOUNT_MISMATCH']?.amount_minor).toBe('100');
    expect(byCategory['FEE_MISMATCH']?.amount_minor).toBe('10'); // 1.90 charged, 1.80 agreed
    expect(byCategory['DUPLICATE']?.statement_line).toBeGreaterThan(1);
    const closed = await t.app.orm.em
      .fork()
      .getConnection()
      .execute<{ status: string; closed_by_run: string }[]>(
        `select status, closed_by_run from recon_item where bill_date = ? and category = 'TIMING'`,
        [yesterday],
      );
    expect(closed).toEqual([{ status: 'AUTO_CLOSED', closed_by_run: outcome.runId }]);
  });

  it('re-running the same day gives the same result and keeps the previous run as history', async () => {
    const conn = t.app.orm.em.fork().getConnection();
    const [before] = await conn.execute<{ id: string }[]>(
      `select id from recon_run where provider = 'wechatpay' and bill_date = ? and superseded_at is null`,
      [today],
    );
    const again = await reconcile(t, 'wechatpay', today);
    if (again.status !== 'COMPLETED') throw new Error(again.status);
    expect(summary(await itemsOf(t, again.runId))).toEqual(summary(await itemsOf(t, before!.id)));
    const runs = await conn.execute<{ id: string; superseded_by: string | null; file_id: string }[]>(
      `select id, superseded_by, file_id from recon_run where provider = 'wechatpay' and bill_date = ? order by started_at`,
      [today],
    );
    expect(runs.map((r) => r.superseded_by)).toEqual([again.runId, null]);
    expect(new Set(runs.map((r) => r.file_id)).size).toBe(1); // the same file: stored once
    // Parsed and staged again, the same figures; the staging tables went with their runs.
    const figures = await conn.execute<Record<string, unknown>[]>(
      `select statement_rows, statement_payment_count, statement_payment_minor, statement_refund_count,
              statement_refund_minor, statement_fee_minor, ledger_payment_count, ledger_payment_minor,
              ledger_refund_count, ledger_refund_minor, matched_count, matched_minor
         from recon_run where provider = 'wechatpay' and bill_date = ? order by started_at`,
      [today],
    );
    expect(figures).toHaveLength(2);
    expect(figures[1]).toEqual(figures[0]);
    expect(Number(figures[0]!['statement_rows'])).toBeGreaterThan(5);
    const staged = await conn.execute<{ n: string }[]>(
      `select count(*) as n from pg_class where relname like 'recon_rows_%'`,
    );
    expect(Number(staged[0]!.n)).toBe(0);
  });
});
