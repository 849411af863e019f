-- Trigger function: records that the metrics of the hour a case was created in changed (a case, its
-- decision or its appeal was written), for `case_metrics_refresh`. An insert, so concurrent writers
-- never wait on each other for it.
create or replace function case_metrics_change()
  returns trigger
  language plpgsql
as $$
begin
  if tg_table_name = 'after_sales_case' then
    insert into case_metrics_change (hour) values (date_trunc('hour', new.created_at, 'UTC'));
  else
    insert into case_metrics_change (hour)
    select date_trunc('hour', c.created_at, 'UTC') from after_sales_case c where c.id = new.case_id;
  end if;
  return null;
end
$$;
