-- Per posting row: refuses postings to an entry another transaction created (a later insert could
-- unbalance an already-checked entry), then adds the amount to the account's cached totals under the
-- row lock, so the non-negative CHECK sees the result. It also proves the entry and the account exist
-- (postings carry no foreign keys: their row locks on hot accounts were too costly).
-- Security definer (the owner's rights, a fixed search_path): the service's role may not update
-- ledger_account itself.
create or replace function ledger_apply_posting()
  returns trigger
  language plpgsql
  security definer
  set search_path = public, pg_temp
as $$
begin
  perform 1 from journal_entry where id = new.entry_id and created_xact = pg_current_xact_id();
  if not found then
    raise exception 'posting % refers to entry %, which this transaction did not create', new.id, new.entry_id
      using errcode = 'check_violation', constraint = 'posting_entry_open';
  end if;

  update ledger_account
     set debits_minor = debits_minor + case when new.direction = 'D' then new.amount_minor else 0 end,
         credits_minor = credits_minor + case when new.direction = 'C' then new.amount_minor else 0 end
   where id = new.account_id and currency = new.currency;
  if not found then
    if not exists (select 1 from ledger_account where id = new.account_id) then
      raise exception 'posting refers to account %, which does not exist', new.account_id
        using errcode = 'foreign_key_violation', constraint = 'posting_account_exists';
    end if;
    raise exception 'posting currency % differs from the currency of account %', new.currency, new.account_id
      using errcode = 'check_violation', constraint = 'posting_currency_matches_account';
  end if;
  return null;
end
$$;
