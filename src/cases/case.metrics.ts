import { sqlOnPool, type Orm } from '../db/index.js';

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
  review_p50: number | null;
  review_p90: number | null;
  resolve_p50: number | null;
  resolve_p90: number | null;
  ratings: number;
  rating_avg: string | null;
  settled: number;
  settle_p50: number | null;
  settle_p90: number | null;
  settled_24h: number;
  refund_totals: Record<string, string> | null;
  coupon_totals: Record<string, string> | null;
  appealable: number;
  appeals: number;
  reviewed: number;
  overturned: number;
}

/**
 * After-sales metrics over the cases created in [from, to): one statement aggregated by PostgreSQL
 * over the (created_at) range and the decisions and appeals of those cases, never rows in Node.
 */
const METRICS = `
with c as materialized (
  select id, type, severity, outcome, channel, auto_decided, created_at, first_reviewed_at, resolved_at, rating
    from after_sales_case where created_at >= $1 and created_at < $2),
d as materialized (
  select d.kind, d.amount_minor, d.status, d.created_at, d.executed_at,
         coalesce(a.new_liable_kind, d.liable_kind) as liable, d.liable_kind as first_liable,
         a.status as appeal_status
    from c join case_decision d on d.case_id = c.id
    left join case_appeal a on a.decision_id = d.id)
select
  (select count(*)::int from c) as cases,
  (select jsonb_object_agg(type, n) from (select type, count(*)::int n from c group by type) x) as by_type,
  (select jsonb_object_agg(coalesce(severity, 'NONE'), n)
     from (select severity, count(*)::int n from c group by severity) x) as by_severity,
  (select jsonb_object_agg(coalesce(outcome, 'OPEN'), n)
     from (select outcome, count(*)::int n from c group by outcome) x) as by_outcome,
  (select jsonb_object_agg(channel, n) from (select channel, count(*)::int n from c group by channel) x) as by_channel,
  (select count(*)::int from c where auto_decided) as auto,
  (select percentile_cont(0.5) within group (order by extract(epoch from first_reviewed_at - created_at)) from c) as review_p50,
  (select percentile_cont(0.9) within group (order by extract(epoch from first_reviewed_at - created_at)) from c) as review_p90,
  (select percentile_cont(0.5) within group (order by extract(epoch from resolved_at - created_at)) from c) as resolve_p50,
  (select percentile_cont(0.9) within group (order by extract(epoch from resolved_at - created_at)) from c) as resolve_p90,
  (select count(rating)::int from c) as ratings,
  (select avg(rating)::text from c) as rating_avg,
  (select count(*)::int from d where kind in ('FULL_REFUND', 'PARTIAL_REFUND') and status = 'DONE') as settled,
  (select percentile_cont(0.5) within group (order by extract(epoch from executed_at - created_at))
     from d where kind in ('FULL_REFUND', 'PARTIAL_REFUND') and status = 'DONE') as settle_p50,
  (select percentile_cont(0.9) within group (order by extract(epoch from executed_at - created_at))
     from d where kind in ('FULL_REFUND', 'PARTIAL_REFUND') and status = 'DONE') as settle_p90,
  (select count(*)::int from d where kind in ('FULL_REFUND', 'PARTIAL_REFUND') and status = 'DONE'
      and executed_at - created_at <= interval '24 hours') as settled_24h,
  (select jsonb_object_agg(liable, total) from (select liable, sum(amount_minor)::text total from d
      where kind in ('FULL_REFUND', 'PARTIAL_REFUND') and status = 'DONE' group by liable) x) as refund_totals,
  (select jsonb_object_agg(liable, total) from (select liable, sum(amount_minor)::text total from d
      where kind = 'COUPON' and status = 'DONE' group by liable) x) as coupon_totals,
  (select count(*)::int from d where first_liable in ('MERCHANT', 'RIDER') and kind <> 'REJECT'
      and status in ('DONE', 'EXECUTING')) as appealable,
  (select count(appeal_status)::int from d) as appeals,
  (select count(*)::int from d where appeal_status in ('UPHELD', 'OVERTURNED')) as reviewed,
  (select count(*)::int from d where appeal_status = 'OVERTURNED') as overturned`;

const ratio = (n: number, of: number): number | null => (of === 0 ? null : n / of);
const num = (v: number | null): number | null => (v === null ? null : Number(v));

export class CaseMetricsQuery {
  constructor(private readonly orm: Orm) {}

  async metrics(from: Date, to: Date): Promise<CaseMetrics> {
    const [r] = await sqlOnPool(this.orm).rows<MetricsRow>(METRICS, [from, to]);
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
      firstReviewSeconds: { p50: num(m.review_p50), p90: num(m.review_p90) },
      resolutionSeconds: { p50: num(m.resolve_p50), p90: num(m.resolve_p90) },
      refundsSettled: m.settled,
      refundSettleSeconds: { p50: num(m.settle_p50), p90: num(m.settle_p90) },
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
