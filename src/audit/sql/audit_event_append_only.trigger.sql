create or replace trigger audit_event_append_only
  before delete or update on audit_event
  for each row
  execute function forbid_mutation();
