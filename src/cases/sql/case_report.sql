-- Opens an after-sales case in one statement (case.report.ts): the case row (`p_case`, its columns as
-- JSON, in the state it opens in), its audit records (`p_audits`, each {id, actorId, actorRole, action,
-- subjectType, subjectId, requestId, before, after}), and when a rule decided it at once, the decision
-- row (`p_decision`, its columns), the decision's jobs (`p_jobs`, each {queue, data, delaySeconds}) and
-- notifications (`p_notices`, drafts of the notifications service). One round trip instead of one per
-- row; the case and its decision get the transaction's time (a decided case's first review too). Writes the cases module's tables and
-- calls the owners for the rest (audit_record, job_enqueue, notification_store). A second open case of
-- one type on one order fails on `after_sales_case_open_unique`, as the plain insert did.
--
-- Plans are generic (`plan_cache_mode`): every statement here inserts one row by value.
create or replace function case_report(p_case jsonb, p_audits jsonb, p_decision jsonb, p_jobs jsonb,
    p_notices jsonb)
  returns setof after_sales_case
  language plpgsql
  set plan_cache_mode = force_generic_plan
as $$
declare
  v_case after_sales_case;
  v_item jsonb;
begin
  -- A decided case was first reviewed when it was opened: at the transaction's time, as it was created.
  -- In FROM, so the record is built once (`(f(…)).*` in a select list calls f once per column).
  insert into after_sales_case
  select r.*
    from jsonb_populate_record(null::after_sales_case,
           p_case || jsonb_build_object('created_at', now(), 'updated_at', now())
             || case when p_decision is not null and p_case ->> 'first_reviewed_at' is null
                     then jsonb_build_object('first_reviewed_at', now()) else '{}' end) r
  returning * into v_case;
  if p_decision is not null then
    insert into case_decision
    select r.* from jsonb_populate_record(null::case_decision, p_decision || jsonb_build_object('created_at', now())) r;
  end if;
  for v_item in select * from jsonb_array_elements(p_audits) loop
    perform audit_record(v_item ->> 'id', v_item ->> 'actorId', v_item ->> 'actorRole', v_item ->> 'action',
                         v_item ->> 'subjectType', v_item ->> 'subjectId', v_item ->> 'requestId',
                         v_item -> 'before', v_item -> 'after');
  end loop;
  for v_item in select * from jsonb_array_elements(p_jobs) loop
    perform job_enqueue(v_item ->> 'queue', v_item -> 'data', (v_item ->> 'delaySeconds')::int);
  end loop;
  for v_item in select * from jsonb_array_elements(p_notices) loop
    perform notification_store(v_item);
  end loop;
  return next v_case;
end
$$;
