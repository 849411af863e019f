import { inTransaction, sqlOn, type Orm } from '../db/index.js';

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
 * After-sales metrics over the cases created in [from, to): one statement aggregated by PostgreSQL
 * over the (created_at) range and the decisions and appeals of those cases, never rows in Node. Each
 * materialized set is read in few passes (aggregates with FILTER, grouping sets, both percentiles from
 * one sort), and the statement runs with enough work_mem to keep them in memory (see
 * docs/performance.md, "After-sales cases").
 */
const METRICS = `
with c as materialized (
  select id, type, severity, outcome, channel, auto_decided, created_at, first_reviewed_at, resolved_at, rating
    from after_sales_case where created_at >= $1 and created_at < $2),
-- A case's decisions come after it: the range on case_decision (created_at) spares a scan of all decisions.
d as materialized (
  select d.kind, d.amount_minor, d.status, d.created_at, d.executed_at,
         d.kind in ('FULL_REFUND', 'PARTIAL_REFUND') and d.status = 'DONE' as settled,
         coalesce(a.new_liable_kind, d.liable_kind) as liable, d.liable_kind as first_liable,
         a.status as appeal_status
    from c join case_decision d on d.case_id = c.id and d.created_at >= $1
    left join case_appeal a on a.decision_id = d.id),
cs as (
  select count(*)::int as cases, count(*) filter (where auto_decided)::int as auto,
         percentile_cont(array[0.5, 0.9]) within group (order by extract(epoch from first_reviewed_at - created_at))
           as review,
         percentile_cont(array[0.5, 0.9]) within group (order by extract(epoch from resolved_at - created_at))
           as resolve,
         count(rating)::int as ratings, avg(rating)::text as rating_avg
    from c),
-- grouping(...) is a bit mask of the columns a row is not grouped by: 7 type, 11 severity, 13 outcome, 14 channel.
cg as (
  select type, severity, outcome, channel, grouping(type, severity, outcome, channel) as grp, count(*)::int as n
    from c group by grouping sets ((type), (severity), (outcome), (channel))),
ds as (
  select count(*) filter (where settled)::int as settled,
         percentile_cont(array[0.5, 0.9]) within group (order by extract(epoch from executed_at - created_at))
           filter (where settled) as settle,
         count(*) filter (where settled and executed_at - created_at <= interval '24 hours')::int as settled_24h,
         count(*) filter (where first_liable in ('MERCHANT', 'RIDER') and kind <> 'REJECT'
                            and status in ('DONE', 'EXECUTING'))::int as appealable,
         count(appeal_status)::int as appeals,
         count(*) filter (where appeal_status in ('UPHELD', 'OVERTURNED'))::int as reviewed,
         count(*) filter (where appeal_status = 'OVERTURNED')::int as overturned
    from d),
dt as (
  select liable, kind = 'COUPON' as coupon, sum(amount_minor)::text as total
    from d where status = 'DONE' and kind in ('FULL_REFUND', 'PARTIAL_REFUND', 'COUPON') group by 1, 2)
select cs.*, ds.*,
  (select jsonb_object_agg(type, n) from cg where grp = 7) as by_type,
  (select jsonb_object_agg(coalesce(severity, 'NONE'), n) from cg where grp = 11) as by_severity,
  (select jsonb_object_agg(coalesce(outcome, 'OPEN'), n) from cg where grp = 13) as by_outcome,
  (select jsonb_object_agg(channel, n) from cg where grp = 14) as by_channel,
  (select jsonb_object_agg(liable, total) from dt where not coupon) as refund_totals,
  (select jsonb_object_agg(liable, total) from dt where coupon) as coupon_totals
  from cs, ds`;

const ratio = (n: number, of: number): number | null => (of === 0 ? null : n / of);
const num = (v: number | null | undefined): number | null =>
  v === null || v === undefined ? null : Number(v);
const percentiles = (pair: (number | null)[] | null): Percentiles => ({
  p50: num(pair?.[0]),
  p90: num(pair?.[1]),
});

export class CaseMetricsQuery {
  constructor(private readonly orm: Orm) {}

  async metrics(from: Date, to: Date): Promise<CaseMetrics> {
    const [r] = await inTransaction(this.orm, async (em) => {
      const sql = sqlOn(em);
      await sql.rows(`set local work_mem = '64MB'`);
      return sql.rows<MetricsRow>(METRICS, [from, to]);
    });
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
