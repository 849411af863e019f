import { SYSTEM_WORKER } from '../../src/audit/index.js';
import { addDays, shanghaiDate, type ReconProvider } from '../../reconciliation/index.js';
import type { TestApp } from '../support/app.js';
import {
  newPaidOrder,
  requestRefund,
  waitForRefund,
  type PaidOrder,
  type TestChannel,
} from '../support/builders.js';

/** The TIMING window the tests run with (RECON_TIMING_WINDOW_MS). */
export const TEST_TIMING_WINDOW_MS = 60_000;

/** The last minutes of a Shanghai day, which `businessToday` waits out. */
const DAY_END_MS = 240_000;
/** The longest `businessToday` waits: a hook that calls it adds this to its own timeout. */
export const MIDNIGHT_WAIT_MS = DAY_END_MS + 1_000;

/**
 * Today's Asia/Shanghai date, after waiting out the last few minutes of a day: the seeded ledger rows
 * get the database's clock, so a test must neither straddle midnight in Shanghai nor settle within
 * the TIMING window before it.
 */
export async function businessToday(): Promise<{ today: string; yesterday: string }> {
  const msToMidnight = 86_400_000 - ((Date.now() + 8 * 3_600_000) % 86_400_000);
  if (msToMidnight < DAY_END_MS) await new Promise((r) => setTimeout(r, msToMidnight + 1_000));
  const today = shanghaiDate(new Date());
  return { today, yesterday: addDays(today, -1) };
}

export async function paidWithRefund(
  t: TestApp,
  channel: TestChannel,
  amountFen: number,
  refundFen: number,
): Promise<{ order: PaidOrder; refundId: string }> {
  const order = await newPaidOrder(t, { channel, amountFen });
  const requested = await requestRefund(t, { paymentId: order.paymentId, amountFen: refundFen });
  if (requested.errors) throw new Error(JSON.stringify(requested.errors));
  const refundId = requested.data!.requestRefund.refund.id;
  await waitForRefund(t, refundId, (r) => r.status === 'SUCCEEDED');
  return { order, refundId };
}

export interface ItemRow {
  category: string;
  kind: string;
  match_key: string;
  status: string;
  amount_minor: string;
  statement_line: number | null;
}

export async function itemsOf(t: TestApp, runId: string): Promise<ItemRow[]> {
  return t.app.orm.em
    .fork()
    .getConnection()
    .execute<ItemRow[]>(
      `select category, kind, match_key, status, amount_minor::text, statement_line from recon_item where run_id = ? order by category, match_key`,
      [runId],
    );
}

export const summary = (items: readonly ItemRow[]): string[] =>
  items.map((i) => `${i.category} ${i.kind} ${i.match_key}`).sort();

export function reconcile(t: TestApp, provider: ReconProvider, billDate: string, filePath?: string) {
  return t.app.services.reconciliation.reconcile({
    provider,
    billDate,
    trigger: 'CLI',
    actor: SYSTEM_WORKER,
    filePath,
  });
}
