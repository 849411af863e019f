import type { MoneyShape } from '../ui.js';

/** What the finance pages show of a run; `recon.api.ts` maps the API's shape onto it. */
export interface RunSummary {
  readonly id: string;
  readonly provider: string;
  readonly billDate: string;
  readonly status: string;
  readonly statementRows: number;
  readonly matchedCount: number;
  readonly matched: MoneyShape;
  readonly discrepancyCount: number;
  readonly discrepancyAmount: MoneyShape;
  readonly openCount: number;
}

export interface CategoryFigure {
  readonly category: string;
  readonly count: number;
  readonly amount: MoneyShape;
}

export interface RunReport extends RunSummary {
  readonly currency: string;
  readonly statement: { payments: Side; refunds: Side; fees: MoneyShape };
  readonly ledger: { payments: Side; refunds: Side };
  readonly clearing: { opening: MoneyShape; debits: MoneyShape; credits: MoneyShape; closing: MoneyShape };
  readonly byCategory: readonly CategoryFigure[];
  readonly aging: readonly { bucket: string; count: number }[];
}

export interface Side {
  readonly count: number;
  readonly amount: MoneyShape;
}

export interface Discrepancy {
  readonly id: string;
  readonly category: string;
  readonly kind: string;
  readonly matchKey: string;
  readonly statementAmount: MoneyShape | null;
  readonly ledgerAmount: MoneyShape | null;
  readonly amount: MoneyShape;
  readonly detail: string;
  readonly status: string;
  readonly ageBucket: string | null;
  readonly resolution: string | null;
  readonly resolutionNote: string | null;
  readonly resolvedBy: string | null;
  readonly resolvedAt: string | null;
  readonly ledgerRefundId: string | null;
}

export const CATEGORIES = [
  'MISSING_IN_LEDGER',
  'MISSING_AT_PROVIDER',
  'AMOUNT_MISMATCH',
  'STATUS_MISMATCH',
  'DUPLICATE',
  'FEE_MISMATCH',
  'TIMING',
] as const;

export const AGE_BUCKETS = ['D0_1', 'D2_3', 'D4_7', 'D8_30', 'OVER_30'] as const;
