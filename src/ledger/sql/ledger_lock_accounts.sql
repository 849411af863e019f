-- Locks ledger account rows in id order, for a writer that will post several entries in one
-- transaction (a refund group commit): every account before the first posting, so concurrent writers
-- never wait on each other in opposite orders.
-- Security definer (the owner's rights, a fixed search_path): FOR UPDATE needs UPDATE rights, which
-- the service's role does not have on ledger_account.
create or replace function ledger_lock_accounts(p_account_ids bigint[])
  returns void
  language plpgsql
  security definer
  set search_path = public, pg_temp
as $$
begin
  perform 1 from (select a.id from ledger_account a where a.id = any(p_account_ids) order by a.id for update) locked;
end
$$;
