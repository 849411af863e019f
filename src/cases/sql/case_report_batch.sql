-- Group commit of reports (case.report.ts, `CaseReports`): the reports that arrived together, opened in
-- one transaction, one statement per table. `p_items` is a JSON array, one item per report: {case,
-- audits, decision, jobs, notices, refund} (the case row in the state it opens in, its audit records,
-- and when a rule decided it at once, the decision row, the decision's jobs, each {queue, data,
-- delaySeconds}, notification drafts and, for a refund decision, the refund request as the refund
-- command prepared it for `refund_request_batch`, whose other arguments are `p_refund_args`).
--
-- - The cases go in in (order_id, type) order, so two groups racing on the same orders take the open-case
--   index entries in the same order (no deadlock). A report whose order and type already has an open
--   case, committed or earlier in this group, is skipped (`on conflict do nothing` on
--   `after_sales_case_open_unique`; a concurrent transaction holding one is waited for): nothing of it
--   is written, and its case is not among the rows returned (the caller answers CASE_ALREADY_OPEN).
-- - The refunds of the cases inserted, through the refund command's group commit (`refund_request_batch`,
--   its published function: reservation, refund, event, audit, submit job, ledger entry), so an
--   auto-approved report and its refund commit together. A decision gets its refund's id when the
--   refund was CREATED; otherwise the outcome is returned and the caller settles it (a refusal sends
--   the case to manual follow-up, as when the refund command refuses afterwards).
-- - For the cases inserted: the decisions (one statement), every audit record (`audit_record_many`),
--   the jobs (`job_enqueue_many`, one call per distinct delay), the notifications
--   (`notification_store_many`, the notifications module's writer, one call, drafts in report order).
-- Returns the inserted cases, each with its refund's outcome (null without one). The cases and decisions
-- get the transaction's time (a decided case's first review too). Any error aborts the group; the
-- service then opens its reports one per group, so one bad report never fails the others.
--
-- Plans are generic (`plan_cache_mode`): every statement here inserts rows by value or finds them by key.
create or replace function case_report_batch(p_items jsonb, p_refund_args jsonb)
  returns table(refund_outcome varchar, opened after_sales_case)
  language plpgsql
  set plan_cache_mode = force_generic_plan
as $$
declare
  v_cases after_sales_case[];
  -- The items whose case went in, in arrival order.
  v_opened jsonb;
  -- Case id → its refund's outcome.
  v_outcomes jsonb := '{}';
  v_refunds jsonb;
  v_refund_cases varchar[];
  v_delay int;
begin
  with ins as (
    insert into after_sales_case
    select r.*
      from jsonb_array_elements(p_items) with ordinality as e(item, ord)
     cross join lateral jsonb_populate_record(null::after_sales_case,
             (e.item -> 'case') || jsonb_build_object('created_at', now(), 'updated_at', now())
               || case when jsonb_typeof(e.item -> 'decision') = 'object'
                            and (e.item -> 'case' ->> 'first_reviewed_at') is null
                       then jsonb_build_object('first_reviewed_at', now()) else '{}' end) r
     order by r.order_id, r.type, e.ord
    on conflict (order_id, type) where status <> 'RESOLVED' do nothing
    returning *
  )
  select coalesce(array_agg(ins::after_sales_case), '{}') into v_cases from ins;
  -- Usually every case went in: the items as they are, without taking the array apart again.
  if cardinality(v_cases) = jsonb_array_length(p_items) then
    v_opened := p_items;
  else
    select coalesce(jsonb_agg(e.item order by e.ord), '[]') into v_opened
      from jsonb_array_elements(p_items) with ordinality as e(item, ord)
     where (e.item -> 'case' ->> 'id') in (select c.id from unnest(v_cases) as c);
  end if;

  select jsonb_agg(o.item -> 'refund' order by o.ord), array_agg(o.item -> 'case' ->> 'id' order by o.ord)
    into v_refunds, v_refund_cases
    from jsonb_array_elements(v_opened) with ordinality as o(item, ord)
   where jsonb_typeof(o.item -> 'refund') = 'object';
  if v_refunds is not null then
    select jsonb_object_agg(v_refund_cases[r.idx + 1], r.outcome) into v_outcomes
      from refund_request_batch(v_refunds, (p_refund_args ->> 0)::int, (p_refund_args ->> 1)::int,
                                (p_refund_args ->> 2)::int, (p_refund_args ->> 3)::int, p_refund_args ->> 4) as r;
  end if;

  insert into case_decision
  select r.*
    from jsonb_array_elements(v_opened) with ordinality as o(item, ord)
   cross join lateral jsonb_populate_record(null::case_decision,
           (o.item -> 'decision') || jsonb_build_object('created_at', now())
             || case when v_outcomes ->> (o.item -> 'case' ->> 'id') = 'CREATED'
                     then jsonb_build_object('refund_id', o.item -> 'refund' ->> 'id') else '{}' end) r
   where jsonb_typeof(o.item -> 'decision') = 'object'
   order by o.ord;

  perform audit_record_many(array_agg(x.a ->> 'id' order by o.ord, x.n),
                            array_agg(x.a ->> 'actorId' order by o.ord, x.n),
                            array_agg(x.a ->> 'actorRole' order by o.ord, x.n),
                            array_agg(x.a ->> 'action' order by o.ord, x.n),
                            array_agg(x.a ->> 'subjectType' order by o.ord, x.n),
                            array_agg(x.a ->> 'subjectId' order by o.ord, x.n),
                            array_agg(x.a ->> 'requestId' order by o.ord, x.n),
                            array_agg(x.a -> 'before' order by o.ord, x.n),
                            array_agg(x.a -> 'after' order by o.ord, x.n))
     from jsonb_array_elements(v_opened) with ordinality as o(item, ord)
    cross join lateral jsonb_array_elements(o.item -> 'audits') with ordinality as x(a, n)
   having count(*) > 0;

  for v_delay in
    select distinct (x.j ->> 'delaySeconds')::int
      from jsonb_array_elements(v_opened) as o(item)
     cross join lateral jsonb_array_elements(o.item -> 'jobs') as x(j)
  loop
    perform job_enqueue_many(array_agg(x.j ->> 'queue' order by o.ord, x.n),
                             array_agg(x.j -> 'data' order by o.ord, x.n), v_delay)
       from jsonb_array_elements(v_opened) with ordinality as o(item, ord)
      cross join lateral jsonb_array_elements(o.item -> 'jobs') with ordinality as x(j, n)
     where (x.j ->> 'delaySeconds')::int = v_delay;
  end loop;

  perform notification_store_many(jsonb_agg(x.n order by o.ord, x.k))
     from jsonb_array_elements(v_opened) with ordinality as o(item, ord)
    cross join lateral jsonb_array_elements(o.item -> 'notices') with ordinality as x(n, k)
   having count(*) > 0;

  return query select (v_outcomes ->> c.id)::varchar, c from unnest(v_cases) as c;
end
$$;
