create or replace trigger posting_append_only
  before delete or update on posting
  for each row
  execute function forbid_mutation();
