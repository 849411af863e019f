create or replace trigger posting_apply
  after insert on posting
  for each row
  execute function ledger_apply_posting();
