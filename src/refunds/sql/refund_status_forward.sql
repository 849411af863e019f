-- Refund statuses move only forward (the table of refund.state.ts), whatever code path writes them.
create or replace function refund_status_forward()
  returns trigger
  language plpgsql
as $$
begin
  if new.status = old.status then
    return new;
  end if;
  if (old.status, new.status) in (
    ('PENDING', 'PROCESSING'), ('PENDING', 'SUCCEEDED'), ('PENDING', 'FAILED'), ('PENDING', 'CLOSED'),
    ('PENDING', 'ABNORMAL'), ('PROCESSING', 'SUCCEEDED'), ('PROCESSING', 'CLOSED'),
    ('PROCESSING', 'ABNORMAL'), ('ABNORMAL', 'PROCESSING'), ('ABNORMAL', 'SUCCEEDED'), ('ABNORMAL', 'CLOSED')
  ) then
    return new;
  end if;
  raise exception 'refund % cannot move from % to %', old.id, old.status, new.status
    using errcode = 'check_violation', constraint = 'refund_status_forward';
end
$$;
