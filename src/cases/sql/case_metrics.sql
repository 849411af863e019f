-- After-sales metrics of the cases created in [p_from, p_to) (see case.metrics.ts): the whole hours
-- of the period from `case_metrics_hour` (kept by `case_metrics_refresh`, which the worker runs every
-- minute), except the hours marked changed since (`case_metrics_change`), which are computed directly
-- like the partial first and last hours (`case_metrics_partial`). A read writes nothing and waits for no
-- refresh; it is exact for its snapshot: a stored hour it uses was recomputed with every change committed
-- before that refresh, and any change committed after it left a mark this read sees. With p_direct, the
-- whole period is computed directly (what the stored hours must agree with). Sums add up; percentiles
-- are taken over the parts' values together, so the figures are those of the direct computation.
create or replace function case_metrics(p_from timestamptz, p_to timestamptz, p_direct boolean default false)
  returns table(cases int, auto int, by_type jsonb, by_severity jsonb, by_outcome jsonb, by_channel jsonb,
                review float8[], resolve float8[], ratings int, rating_avg text, settled int, settle float8[],
                settled_24h int, refund_totals jsonb, coupon_totals jsonb, appealable int, appeals int,
                reviewed int, overturned int)
  language sql stable
  set work_mem = '64MB'
as $$
with bounds as (
  -- [first_hour, last_hour) are the whole hours inside the period; none when it is within an hour.
  select f.first_hour, l.last_hour, not p_direct and f.first_hour < l.last_hour as stored
    from (select h + case when h < p_from then interval '1 hour' else interval '0' end as first_hour
            from date_trunc('hour', p_from, 'UTC') h) f,
         (select date_trunc('hour', p_to, 'UTC') as last_hour) l),
-- Whole hours with a change the last refresh has not stored yet (a minute's writes under the worker).
changed as materialized (
  select distinct x.hour
    from bounds b join case_metrics_change x on b.stored and x.hour >= b.first_hour and x.hour < b.last_hour),
parts as materialized (
  select m.cases, m.auto, m.by_type, m.by_severity, m.by_outcome, m.by_channel, m.review, m.resolve, m.ratings,
         m.rating_sum, m.settled, m.settle, m.settled24h, m.refund_totals, m.coupon_totals, m.appealable,
         m.appeals, m.reviewed, m.overturned
    from bounds b join case_metrics_hour m on b.stored and m.hour >= b.first_hour and m.hour < b.last_hour
   where not exists (select 1 from changed x where x.hour = m.hour)
  union all
  select p.* from changed x, case_metrics_partial(x.hour, x.hour + interval '1 hour') p
  union all
  select p.* from bounds b, case_metrics_partial(p_from, case when b.stored then b.first_hour else p_to end) p
  union all
  select p.* from bounds b, case_metrics_partial(b.last_hour, p_to) p where b.stored),
counted(dimension, key, n) as (
  select 'type', e.key, e.value::int from parts, jsonb_each_text(parts.by_type) e
  union all select 'severity', e.key, e.value::int from parts, jsonb_each_text(parts.by_severity) e
  union all select 'outcome', e.key, e.value::int from parts, jsonb_each_text(parts.by_outcome) e
  union all select 'channel', e.key, e.value::int from parts, jsonb_each_text(parts.by_channel) e),
totalled(coupon, liable, total) as (
  select false, e.key, e.value::numeric from parts, jsonb_each_text(parts.refund_totals) e
  union all select true, e.key, e.value::numeric from parts, jsonb_each_text(parts.coupon_totals) e),
by_key as (select dimension, key, sum(n)::int as n from counted group by 1, 2),
totals as (select coupon, liable, sum(total)::text as total from totalled group by 1, 2)
select sum(cases)::int, sum(auto)::int,
  (select jsonb_object_agg(key, n) from by_key where dimension = 'type'),
  (select jsonb_object_agg(key, n) from by_key where dimension = 'severity'),
  (select jsonb_object_agg(key, n) from by_key where dimension = 'outcome'),
  (select jsonb_object_agg(key, n) from by_key where dimension = 'channel'),
  (select percentile_cont(array[0.5, 0.9]) within group (order by v) from parts, unnest(parts.review) v),
  (select percentile_cont(array[0.5, 0.9]) within group (order by v) from parts, unnest(parts.resolve) v),
  sum(ratings)::int,
  -- avg(rating) is sum / count in numeric: the same division here.
  case when sum(ratings) > 0 then (sum(rating_sum)::numeric / sum(ratings)::numeric)::text end,
  sum(settled)::int,
  (select percentile_cont(array[0.5, 0.9]) within group (order by v) from parts, unnest(parts.settle) v),
  sum(settled24h)::int,
  (select jsonb_object_agg(liable, total) from totals where not coupon),
  (select jsonb_object_agg(liable, total) from totals where coupon),
  sum(appealable)::int, sum(appeals)::int, sum(reviewed)::int, sum(overturned)::int
  from parts
$$;
