create or replace trigger posting_no_truncate
  before truncate on posting
  for each statement
  execute function forbid_mutation();
