-- Recomputes the stored metrics (`case_metrics_hour`) of every hour with a change recorded in
-- `case_metrics_change`, and removes those records.
--
-- Correct without locking writers out: the delete and the recomputation are one statement, so they
-- share one snapshot. A change committed before it is both recomputed and its record removed; a change
-- committed after it is neither, and its record waits for the next refresh. Refreshes are serialized by
-- an advisory lock taken before that statement (so its snapshot is later than the previous refresh's
-- commit, and no two refreshes split one hour's records between them). Returns the hours recomputed.
create or replace function case_metrics_refresh()
  returns integer
  language plpgsql
as $$
declare
  v_hours integer;
begin
  perform pg_advisory_xact_lock(hashtext('case_metrics_refresh'));
  with marks as (delete from case_metrics_change returning hour),
  hours as (select distinct hour from marks),
  stored as (
    insert into case_metrics_hour (hour, cases, auto, by_type, by_severity, by_outcome, by_channel, review, resolve,
                                  ratings, rating_sum, settled, settle, settled24h, refund_totals, coupon_totals,
                                  appealable, appeals, reviewed, overturned, refreshed_at)
    select hours.hour, m.*, now()
      from hours, lateral case_metrics_partial(hours.hour, hours.hour + interval '1 hour') m
    on conflict (hour) do update
       set cases = excluded.cases, auto = excluded.auto, by_type = excluded.by_type,
           by_severity = excluded.by_severity, by_outcome = excluded.by_outcome, by_channel = excluded.by_channel,
           review = excluded.review, resolve = excluded.resolve, ratings = excluded.ratings,
           rating_sum = excluded.rating_sum, settled = excluded.settled, settle = excluded.settle,
           settled24h = excluded.settled24h, refund_totals = excluded.refund_totals,
           coupon_totals = excluded.coupon_totals, appealable = excluded.appealable, appeals = excluded.appeals,
           reviewed = excluded.reviewed, overturned = excluded.overturned, refreshed_at = excluded.refreshed_at
    returning 1)
  select count(*)::int into v_hours from stored;
  return v_hours;
end
$$;

