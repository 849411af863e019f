create or replace trigger journal_entry_append_only
  before delete or update on journal_entry
  for each row
  execute function forbid_mutation();
