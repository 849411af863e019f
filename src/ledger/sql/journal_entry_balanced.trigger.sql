drop trigger if exists journal_entry_balanced on journal_entry;
create constraint trigger journal_entry_balanced
  after insert on journal_entry
  deferrable initially deferred
  for each row
  execute function ledger_check_entry_balanced();
