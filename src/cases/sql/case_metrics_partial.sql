-- After-sales metrics of the cases created in [p_from, p_to), computed from the cases, their decisions
-- and appeals: the direct computation. `case_metrics_refresh` stores it per hour in
-- `case_metrics_hour`; `case_metrics` adds the stored hours of a period to this for its partial first
-- and last hours. Durations come back as the values themselves (seconds, float8 as percentile_cont sorts
-- them), so percentiles over several parts are exactly those over the whole. Stable: it reads with the
-- caller's snapshot. Reads the created_at index of after_sales_case, then each case's decisions and appeals.
create or replace function case_metrics_partial(p_from timestamptz, p_to timestamptz)
  returns table(cases int, auto int, by_type jsonb, by_severity jsonb, by_outcome jsonb, by_channel jsonb,
                review float8[], resolve float8[], ratings int, rating_sum bigint, settled int, settle float8[],
                settled24h int, refund_totals jsonb, coupon_totals jsonb, appealable int, appeals int,
                reviewed int, overturned int)
  language sql stable
  set work_mem = '64MB'
  -- An hour's cases are a few hundred index probes into case_decision and case_appeal; PostgreSQL's
  -- default random-page cost, for disks, made it scan both tables whole (a second, not milliseconds).
  set random_page_cost = 1.1
as $$
with c as materialized (
  select id, type, severity, outcome, channel, auto_decided, created_at, first_reviewed_at, resolved_at, rating
    from after_sales_case where created_at >= p_from and created_at < p_to),
-- The cases' decisions by (case_id, seq): one index probe per case, where a
-- range on the decisions' created_at would have no upper end (a decision may come any time later).
d as materialized (
  select d.kind, d.amount_minor, d.status, d.created_at, d.executed_at,
         d.kind in ('FULL_REFUND', 'PARTIAL_REFUND') and d.status = 'DONE' as settled,
         coalesce(a.new_liable_kind, d.liable_kind) as liable, d.liable_kind as first_liable,
         a.status as appeal_status
    from c join case_decision d on d.case_id = c.id
    left join case_appeal a on a.decision_id = d.id),
cs as (
  select count(*)::int as cases, count(*) filter (where auto_decided)::int as auto,
         coalesce(array_agg(extract(epoch from first_reviewed_at - created_at)::float8)
                    filter (where first_reviewed_at is not null), '{}') as review,
         coalesce(array_agg(extract(epoch from resolved_at - created_at)::float8)
                    filter (where resolved_at is not null), '{}') as resolve,
         count(rating)::int as ratings, coalesce(sum(rating), 0)::bigint as rating_sum
    from c),
-- grouping(...) is a bit mask of the columns a row is not grouped by: 7 type, 11 severity, 13 outcome, 14 channel.
cg as (
  select type, severity, outcome, channel, grouping(type, severity, outcome, channel) as grp, count(*)::int as n
    from c group by grouping sets ((type), (severity), (outcome), (channel))),
ds as (
  select count(*) filter (where settled)::int as settled,
         coalesce(array_agg(extract(epoch from executed_at - created_at)::float8)
                    filter (where settled and executed_at is not null), '{}') as settle,
         count(*) filter (where settled and executed_at - created_at <= interval '24 hours')::int as settled24h,
         count(*) filter (where first_liable in ('MERCHANT', 'RIDER') and kind <> 'REJECT'
                            and status in ('DONE', 'EXECUTING'))::int as appealable,
         count(appeal_status)::int as appeals,
         count(*) filter (where appeal_status in ('UPHELD', 'OVERTURNED'))::int as reviewed,
         count(*) filter (where appeal_status = 'OVERTURNED')::int as overturned
    from d),
dt as (
  select liable, kind = 'COUPON' as coupon, sum(amount_minor)::text as total
    from d where status = 'DONE' and kind in ('FULL_REFUND', 'PARTIAL_REFUND', 'COUPON') group by 1, 2)
select cs.cases, cs.auto,
  (select jsonb_object_agg(type, n) from cg where grp = 7),
  (select jsonb_object_agg(coalesce(severity, 'NONE'), n) from cg where grp = 11),
  (select jsonb_object_agg(coalesce(outcome, 'OPEN'), n) from cg where grp = 13),
  (select jsonb_object_agg(channel, n) from cg where grp = 14),
  cs.review, cs.resolve, cs.ratings, cs.rating_sum, ds.settled, ds.settle, ds.settled24h,
  (select jsonb_object_agg(liable, total) from dt where not coupon),
  (select jsonb_object_agg(liable, total) from dt where coupon),
  ds.appealable, ds.appeals, ds.reviewed, ds.overturned
  from cs, ds
$$;
