create or replace trigger refund_status_forward
  before update of status on refund
  for each row
  execute function refund_status_forward();
