import { sumMinor } from '../format.js';
import type { MoneyShape } from '../ui.js';

/** What the finance pages read of a run (the schema's `ReconciliationRun`, the fields shown). */
export interface RunSummary {
  readonly id: string;
  readonly provider: string;
  readonly billDate: string;
  readonly status: string;
  readonly current: boolean;
  readonly statement: { readonly rows: number };
  readonly matchedCount: number;
  readonly matchedTotal: MoneyShape;
  readonly categories: readonly CategoryFigure[];
}

export interface CategoryFigure {
  readonly category: string;
  readonly count: number;
  readonly open: number;
  readonly total: MoneyShape;
}

export interface RunReport extends RunSummary {
  readonly trigger: string;
  readonly requestedBy: string;
  readonly finishedAt: string;
  readonly fileName: string | null;
  readonly errorMessage: string | null;
  readonly timingClosedCount: number;
  readonly statement: {
    readonly rows: number;
    readonly paymentCount: number;
    readonly paymentTotal: MoneyShape;
    readonly refundCount: number;
    readonly refundTotal: MoneyShape;
    readonly feeTotal: MoneyShape;
  };
  readonly ledger: {
    readonly paymentCount: number;
    readonly paymentTotal: MoneyShape;
    readonly refundCount: number;
    readonly refundTotal: MoneyShape;
  };
  readonly clearing: {
    readonly opening: MoneyShape;
    readonly debits: MoneyShape;
    readonly credits: MoneyShape;
    readonly closing: MoneyShape;
    readonly providerNet: MoneyShape;
    readonly difference: MoneyShape;
    readonly balanced: boolean;
  };
}

export interface AgingBucket {
  readonly bucket: string;
  readonly count: number;
  readonly total: MoneyShape;
}

export interface TrendDay {
  readonly billDate: string;
  readonly provider: string;
  readonly runId: string | null;
  readonly discrepancyCount: number;
  readonly unresolvedCount: number;
}

export interface Discrepancy {
  readonly id: string;
  readonly runId: string;
  readonly provider: string;
  readonly billDate: string;
  readonly category: string;
  readonly kind: string;
  readonly matchKey: string;
  readonly statementAmount: MoneyShape | null;
  readonly ledgerAmount: MoneyShape | null;
  readonly amount: MoneyShape;
  readonly detail: string;
  readonly status: string;
  readonly ageBucket: string | null;
  readonly ageDays: number;
  readonly refundId: string | null;
  readonly resolution: string | null;
  readonly resolutionNote: string | null;
  readonly resolvedBy: string | null;
  readonly resolvedAt: string | null;
  readonly linkedType: string | null;
  readonly linkedId: string | null;
  readonly adjustmentEntryId: string | null;
}

export const PROVIDERS = ['wechatpay', 'alipay'] as const;

export const CATEGORIES = [
  'MISSING_IN_LEDGER',
  'MISSING_AT_PROVIDER',
  'AMOUNT_MISMATCH',
  'STATUS_MISMATCH',
  'DUPLICATE',
  'FEE_MISMATCH',
  'TIMING',
] as const;

export const STATUSES = ['OPEN', 'RESOLVED', 'AUTO_CLOSED'] as const;

/** The schema's age buckets and the `minAgeDays` / `maxAgeDays` filter each one is. */
export const AGE_BUCKETS = {
  D0_1: [0, 1],
  D2_3: [2, 3],
  D4_7: [4, 7],
  D8_30: [8, 30],
  OVER_30: [31, undefined],
} as const satisfies Record<string, readonly [number, number | undefined]>;

export type AgeBucketName = keyof typeof AGE_BUCKETS;
export const AGE_BUCKET_NAMES = Object.keys(AGE_BUCKETS) as AgeBucketName[];

/** A run's discrepancies in all: count, still open, and their sum (exact, from minor units). */
export function discrepancyTotals(run: RunSummary): { count: number; open: number; total: MoneyShape } {
  return {
    count: run.categories.reduce((n, c) => n + c.count, 0),
    open: run.categories.reduce((n, c) => n + c.open, 0),
    total: {
      minor: sumMinor(run.categories.map((c) => c.total.minor)),
      currency: run.matchedTotal.currency,
    },
  };
}
