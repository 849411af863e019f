-- Case statuses follow the table of case.state.ts, whatever code path writes them; a resolved case
-- keeps its outcome and resolution time (it never resolves twice).
create or replace function after_sales_case_status_forward()
  returns trigger
  language plpgsql
as $$
begin
  if old.status = 'RESOLVED' and (new.outcome is distinct from old.outcome
                                  or new.resolved_at is distinct from old.resolved_at) then
    raise exception 'case % is resolved: its outcome is final', old.id
      using errcode = 'check_violation', constraint = 'after_sales_case_status_forward';
  end if;
  if new.status = old.status then
    return new;
  end if;
  if (old.status, new.status) in (
    ('IN_REVIEW', 'AWAITING_EVIDENCE'), ('IN_REVIEW', 'AWAITING_CUSTOMER'),
    ('IN_REVIEW', 'EXECUTING'), ('IN_REVIEW', 'RESOLVED'), ('AWAITING_EVIDENCE', 'IN_REVIEW'),
    ('AWAITING_EVIDENCE', 'AWAITING_CUSTOMER'), ('AWAITING_EVIDENCE', 'EXECUTING'),
    ('AWAITING_EVIDENCE', 'RESOLVED'), ('AWAITING_CUSTOMER', 'IN_REVIEW'),
    ('AWAITING_CUSTOMER', 'RESOLVED'), ('EXECUTING', 'RESOLVED'),
    ('EXECUTING', 'MANUAL_FOLLOW_UP'), ('MANUAL_FOLLOW_UP', 'EXECUTING'),
    ('MANUAL_FOLLOW_UP', 'AWAITING_CUSTOMER'), ('MANUAL_FOLLOW_UP', 'RESOLVED')
  ) then
    return new;
  end if;
  raise exception 'case % cannot move from % to %', old.id, old.status, new.status
    using errcode = 'check_violation', constraint = 'after_sales_case_status_forward';
end
$$;
