/** Reconciliation's vocabulary, shared by the service, the GraphQL types, the CSV report and the CLI. */

export const RECON_PROVIDERS = ['wechatpay', 'alipay'] as const;
export type ReconProvider = (typeof RECON_PROVIDERS)[number];

export const RECON_CATEGORIES = [
  'MISSING_IN_LEDGER',
  'MISSING_AT_PROVIDER',
  'AMOUNT_MISMATCH',
  'STATUS_MISMATCH',
  'DUPLICATE',
  'FEE_MISMATCH',
  'TIMING',
] as const;
export type ReconCategory = (typeof RECON_CATEGORIES)[number];

export const ITEM_STATUSES = ['OPEN', 'RESOLVED', 'AUTO_CLOSED'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

export const RUN_STATUSES = ['COMPLETED', 'EMPTY', 'FAILED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export type RunTrigger = 'SCHEDULE' | 'CLI' | 'GRAPHQL';

/** Age buckets of unresolved items, in days since their bill date. */
export const AGE_BUCKETS = ['D0_1', 'D2_3', 'D4_7', 'D8_30', 'OVER_30'] as const;
export type AgeBucket = (typeof AGE_BUCKETS)[number];

export function ageBucket(ageDays: number): AgeBucket {
  if (ageDays <= 1) return 'D0_1';
  if (ageDays <= 3) return 'D2_3';
  if (ageDays <= 7) return 'D4_7';
  if (ageDays <= 30) return 'D8_30';
  return 'OVER_30';
}

export const channelOf = (provider: ReconProvider): 'WECHAT_PAY' | 'ALIPAY' =>
  provider === 'wechatpay' ? 'WECHAT_PAY' : 'ALIPAY';

const BILL_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isBillDate(text: string): boolean {
  if (!BILL_DATE.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** Start and end (exclusive) of an Asia/Shanghai calendar day (UTC+8, no DST). */
export function shanghaiDay(billDate: string): { start: Date; end: Date } {
  const start = new Date(`${billDate}T00:00:00+08:00`);
  return { start, end: new Date(start.getTime() + 86_400_000) };
}

/** The Asia/Shanghai calendar date of an instant, `YYYY-MM-DD`. */
export function shanghaiDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

export function addDays(billDate: string, days: number): string {
  return new Date(Date.parse(`${billDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** What a run found about one statement row or ledger item: both sides' facts and the difference. */
export interface DiscrepancyFacts<K extends string = string> {
  readonly category: ReconCategory;
  readonly kind: K;
  readonly matchKey: string;
  readonly outTradeNo: string | null;
  readonly transactionId: string | null;
  readonly providerRefundId: string | null;
  readonly statementLine: number | null;
  readonly statementAmountMinor: bigint | null;
  readonly statementStatus: string | null;
  readonly statementFeeMinor: bigint | null;
  readonly expectedFeeMinor: bigint | null;
  readonly statementAt: Date | null;
  readonly ledgerPaymentId: string | null;
  readonly ledgerRefundId: string | null;
  readonly ledgerAmountMinor: bigint | null;
  readonly ledgerStatus: string | null;
  readonly ledgerAt: Date | null;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly clearingDeltaMinor: bigint;
  readonly detail: string;
}
