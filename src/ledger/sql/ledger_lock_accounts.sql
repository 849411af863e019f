-- Locks ledger account rows in id order, for a writer that will post several entries in one
-- transaction (a refund group commit): every account before the first posting, so concurrent writers
-- never wait on each other in opposite orders.
create or replace function ledger_lock_accounts(p_account_ids bigint[])
  returns void
  language plpgsql
as $$
begin
  perform 1 from (select a.id from ledger_account a where a.id = any(p_account_ids) order by a.id for update) locked;
end
$$;
