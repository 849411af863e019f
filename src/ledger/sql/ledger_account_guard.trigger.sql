create or replace trigger ledger_account_guard
  before insert or delete or update on ledger_account
  for each row
  execute function ledger_account_guard();
