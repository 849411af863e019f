create or replace trigger after_sales_case_status_forward
  before update on after_sales_case
  for each row
  execute function after_sales_case_status_forward();
