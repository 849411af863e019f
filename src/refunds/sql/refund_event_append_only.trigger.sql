create or replace trigger refund_event_append_only
  before delete or update on refund_event
  for each row
  execute function forbid_mutation();
