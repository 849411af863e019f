import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder } from '../support/builders.js';
import {
  businessToday,
  TEST_TIMING_WINDOW_MS,
  itemsOf,
  reconcile,
  summary,
  MIDNIGHT_WAIT_MS,
} from './recon.fixtures.js';

/**
 * The matcher looks for ledger items missing at the provider only when the day's ledger items
 * outnumber those the statement named, counted from the pairs it streams. A duplicated row names its
 * payment twice: counted twice, it would make up for a payment missing from the bill and hide it.
 */
let t: TestApp;
let today: string;
const keys: Record<string, string> = {};

beforeAll(async () => {
  ({ today } = await businessToday());
  t = await startTestApp({
    simulators: true,
    env: { RECON_TIMING_WINDOW_MS: String(TEST_TIMING_WINDOW_MS) },
  });
  const sim = t.app.simulators!.wechatpay!.sim;
  const clean = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_000 });
  const dup = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 2_000 });
  const missing = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 3_000 });
  Object.assign(keys, { clean: clean.outTradeNo, dup: dup.outTradeNo, missing: missing.outTradeNo });
  sim.editStatement(today, { op: 'duplicateRows', outTradeNo: dup.outTradeNo });
  sim.editStatement(today, { op: 'removeRows', outTradeNo: missing.outTradeNo });
  sim.setBillReadyTime(today, new Date());
}, MIDNIGHT_WAIT_MS + 120_000);

afterAll(async () => t?.stop());

describe('a payment missing at the provider beside a duplicated row', () => {
  it('is found: the duplicate does not count as a second payment named', async () => {
    const outcome = await reconcile(t, 'wechatpay', today);
    if (outcome.status !== 'COMPLETED') throw new Error(outcome.status);
    expect(summary(await itemsOf(t, outcome.runId))).toEqual(
      [`DUPLICATE PAYMENT ${keys['dup']}`, `MISSING_AT_PROVIDER PAYMENT ${keys['missing']}`].sort(),
    );
  });
});
