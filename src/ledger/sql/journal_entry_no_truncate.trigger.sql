create or replace trigger journal_entry_no_truncate
  before truncate on journal_entry
  for each statement
  execute function forbid_mutation();
