-- Trigger function: records that the metrics of the hour a case was created in changed (a case, its
-- decision or its appeal was written, in a column the metrics read), for `case_metrics_refresh`. An
-- insert, so concurrent writers never wait on each other for it.
create or replace function case_metrics_change()
  returns trigger
  language plpgsql
as $$
begin
  if tg_table_name = 'after_sales_case' then
    if tg_op = 'UPDATE' then
      if (old.type, old.severity, old.outcome, old.channel, old.auto_decided, old.first_reviewed_at,
          old.resolved_at, old.rating, old.created_at)
         is not distinct from
         (new.type, new.severity, new.outcome, new.channel, new.auto_decided, new.first_reviewed_at,
          new.resolved_at, new.rating, new.created_at) then
        return null;
      end if;
    end if;
    insert into case_metrics_change (hour) values (date_trunc('hour', new.created_at, 'UTC'));
    return null;
  end if;
  -- Nested: each comparison names columns of one table only.
  if tg_op = 'UPDATE' then
    if tg_table_name = 'case_decision' then
      if (old.case_id, old.kind, old.amount_minor, old.status, old.executed_at, old.liable_kind, old.created_at)
         is not distinct from
         (new.case_id, new.kind, new.amount_minor, new.status, new.executed_at, new.liable_kind, new.created_at) then
        return null;
      end if;
    elsif (old.case_id, old.decision_id, old.status, old.new_liable_kind)
          is not distinct from (new.case_id, new.decision_id, new.status, new.new_liable_kind) then
      return null;
    end if;
  end if;
  -- A decision inserted in the transaction that inserted its case (`case_report_batch`: a case decided as it
  -- opens) adds nothing: the case's own insert marked that hour. Such a case was written by this
  -- transaction (xmin) and created at its start (created_at = now()); a case merely updated here was
  -- created by an earlier transaction, at an earlier time.
  insert into case_metrics_change (hour)
  select date_trunc('hour', c.created_at, 'UTC') from after_sales_case c
   where c.id = new.case_id
     and not (tg_op = 'INSERT' and tg_table_name = 'case_decision'
              and c.xmin = pg_current_xact_id()::xid and c.created_at = now());
  return null;
end
$$;
