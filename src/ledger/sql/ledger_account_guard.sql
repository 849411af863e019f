-- Cached totals start at zero and move only from inside the posting trigger (depth ≥ 2); id, code,
-- currency, type and shard never change; accounts are never deleted. Type, currency and shard are
-- checked here, once on insert, instead of by CHECK constraints re-evaluated on every balance update;
-- the shards of one account must agree on what it is.
create or replace function ledger_account_guard()
  returns trigger
  language plpgsql
as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'DELETE on ledger_account is not allowed' using errcode = 'P0001';
  end if;
  if tg_op = 'INSERT' then
    if new.type is null or new.type not in ('ASSET', 'LIABILITY', 'EQUITY', 'REVENUE', 'EXPENSE') then
      raise exception 'account type % is not one of ASSET, LIABILITY, EQUITY, REVENUE, EXPENSE', new.type
        using errcode = 'check_violation', constraint = 'ledger_account_type_check';
    end if;
    if new.currency is null or new.currency !~ '^[A-Z]{3}$' then
      raise exception 'account currency % is not an ISO 4217 code', new.currency
        using errcode = 'check_violation', constraint = 'ledger_account_currency_check';
    end if;
    if new.shard is null or new.shard < 0 then
      raise exception 'account shard % is negative', new.shard
        using errcode = 'check_violation', constraint = 'ledger_account_shard_check';
    end if;
    if new.debits_minor <> 0 or new.credits_minor <> 0 then
      raise exception 'a new account starts with zero totals' using errcode = 'P0001';
    end if;
    if exists (select 1 from ledger_account s
                where s.code = new.code and s.currency = new.currency
                  and (s.type, s.non_negative, s.owner_kind, s.owner_id)
                      is distinct from (new.type, new.non_negative, new.owner_kind, new.owner_id)) then
      raise exception 'shard % of account % differs from its other shards', new.shard, new.code
        using errcode = 'check_violation', constraint = 'ledger_account_shards_agree';
    end if;
    return new;
  end if;
  if new.id <> old.id or new.code <> old.code or new.currency <> old.currency or new.type <> old.type
     or new.shard <> old.shard then
    raise exception 'account id, code, currency, type and shard are immutable' using errcode = 'P0001';
  end if;
  if (new.debits_minor <> old.debits_minor or new.credits_minor <> old.credits_minor)
     and pg_trigger_depth() < 2 then
    raise exception 'cached balances change only through postings' using errcode = 'P0001';
  end if;
  return new;
end
$$;
