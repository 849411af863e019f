-- Every hour that has cases recomputed (after a bulk load that bypassed the triggers).
create or replace function case_metrics_rebuild()
  returns integer
  language plpgsql
as $$
begin
  insert into case_metrics_change (hour)
  select distinct date_trunc('hour', created_at, 'UTC') from after_sales_case;
  return case_metrics_refresh();
end
$$;
