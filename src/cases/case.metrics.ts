import { sqlOnPool, type Orm } from '../db/index.js';

/** The worker's queue that refreshes the stored metrics hours every minute. */
export const METRICS_REFRESH = 'cases.metrics-refresh';

export interface Percentiles {
  readonly p50: number | null;
  readonly p90: number | null;
}

export interface CaseMetrics {
  readonly from: Date;
  readonly to: Date;
  readonly cases: number;
  readonly byType: Readonly<Record<string, number>>;
  readonly bySeverity: Readonly<Record<string, number>>;
  /** Outcome of resolved cases; OPEN for the others. */
  readonly byOutcome: Readonly<Record<string, number>>;
  readonly byChannel: Readonly<Record<string, number>>;
  readonly autoApproved: number;
  /** Auto-approved cases over all cases (null without cases). */
  readonly autoApprovalRate: number | null;
  readonly firstReviewSeconds: Percentiles;
  readonly resolutionSeconds: Percentiles;
  /** Refunds a case issued that settled, time from decision to settlement, and how many within 24 h. */
  readonly refundsSettled: number;
  readonly refundSettleSeconds: Percentiles;
  readonly refundsSettledWithin24h: number;
  /** Minor-unit totals (strings) of settled refunds and accepted coupons, by who bears them now. */
  readonly refundTotalsByLiable: Readonly<Record<string, string>>;
  readonly couponTotalsByLiable: Readonly<Record<string, string>>;
  readonly appeals: number;
  /** Appeals over decisions that held a merchant or rider liable (null without such decisions). */
  readonly appealRate: number | null;
  readonly overturned: number;
  /** Overturned over reviewed appeals (null without reviewed appeals). */
  readonly overturnRate: number | null;
  readonly ratings: number;
  readonly averageRating: number | null;
}

interface MetricsRow {
  cases: number;
  by_type: Record<string, number> | null;
  by_severity: Record<string, number> | null;
  by_outcome: Record<string, number> | null;
  by_channel: Record<string, number> | null;
  auto: number;
  /** [p50, p90], each null without values (one sort for both). */
  review: (number | null)[];
  resolve: (number | null)[];
  ratings: number;
  rating_avg: string | null;
  settled: number;
  settle: (number | null)[];
  settled_24h: number;
  refund_totals: Record<string, string> | null;
  coupon_totals: Record<string, string> | null;
  appealable: number;
  appeals: number;
  reviewed: number;
  overturned: number;
}

/**
 * After-sales metrics over the cases created in [from, to), aggregated by PostgreSQL, never rows in
 * Node: `case_metrics` (src/cases/sql) reads the stored figures of the period's whole hours
 * (`case_metrics_hour`, refreshed by the worker every minute) and computes directly its partial first
 * and last hours and the hours triggers marked changed since the last refresh, so a month reads 720
 * small rows and a few hours of cases; a read refreshes nothing itself. Percentiles
 * come from the parts' values together: the figures are those of the direct computation (see
 * docs/performance.md, "After-sales cases").
 */
const METRICS = `select * from case_metrics($1::timestamptz, $2::timestamptz, $3::boolean)`;

const ratio = (n: number, of: number): number | null => (of === 0 ? null : n / of);
const num = (v: number | null | undefined): number | null =>
  v === null || v === undefined ? null : Number(v);
const percentiles = (pair: (number | null)[] | null): Percentiles => ({
  p50: num(pair?.[0]),
  p90: num(pair?.[1]),
});

export class CaseMetricsQuery {
  constructor(private readonly orm: Orm) {}

  /** Recomputes and stores the hours changed since the last refresh (the worker's job, every minute). */
  async refresh(): Promise<number> {
    const [row] = await sqlOnPool(this.orm).prepared<{ hours: number }>(
      `select case_metrics_refresh() as hours`,
    );
    return row!.hours;
  }

  /** The metrics of [from, to); `direct` computes them from the cases alone, without the stored hours. */
  async metrics(from: Date, to: Date, options: { direct?: boolean } = {}): Promise<CaseMetrics> {
    const direct = options.direct ?? false;
    const [r] = await sqlOnPool(this.orm).prepared<MetricsRow>(METRICS, [from, to, direct]);
    const m = r!;
    return {
      from,
      to,
      cases: m.cases,
      byType: m.by_type ?? {},
      bySeverity: m.by_severity ?? {},
      byOutcome: m.by_outcome ?? {},
      byChannel: m.by_channel ?? {},
      autoApproved: m.auto,
      autoApprovalRate: ratio(m.auto, m.cases),
      firstReviewSeconds: percentiles(m.review),
      resolutionSeconds: percentiles(m.resolve),
      refundsSettled: m.settled,
      refundSettleSeconds: percentiles(m.settle),
      refundsSettledWithin24h: m.settled_24h,
      refundTotalsByLiable: m.refund_totals ?? {},
      couponTotalsByLiable: m.coupon_totals ?? {},
      appeals: m.appeals,
      appealRate: ratio(m.appeals, m.appealable),
      overturned: m.overturned,
      overturnRate: ratio(m.overturned, m.reviewed),
      ratings: m.ratings,
      averageRating: m.rating_avg === null ? null : Number(m.rating_avg),
    };
  }
}
