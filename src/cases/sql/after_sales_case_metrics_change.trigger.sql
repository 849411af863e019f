create or replace trigger after_sales_case_metrics_change
  after insert or update on after_sales_case
  for each row
  execute function case_metrics_change();
