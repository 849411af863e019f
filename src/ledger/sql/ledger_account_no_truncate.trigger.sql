create or replace trigger ledger_account_no_truncate
  before truncate on ledger_account
  for each statement
  execute function forbid_mutation();
