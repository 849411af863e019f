create or replace trigger audit_event_no_truncate
  before truncate on audit_event
  for each statement
  execute function forbid_mutation();
