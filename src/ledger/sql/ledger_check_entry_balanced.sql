-- Deferred to commit (constraint trigger), so an entry and its postings can be inserted in any
-- order: every entry has at least two postings and balances per currency.
--
-- Plans are generic (`plan_cache_mode`): every statement here finds rows by key, and custom plans
-- for array or JSON parameters were rebuilt on every call (see docs/performance.md).
create or replace function ledger_check_entry_balanced()
  returns trigger
  language plpgsql
  set plan_cache_mode = force_generic_plan
as $$
declare
  legs bigint;
  unbalanced bigint;
begin
  select coalesce(sum(n), 0), count(*) filter (where net <> 0) into legs, unbalanced
    from (select count(*) as n,
                 sum(case direction when 'D' then amount_minor else -amount_minor end) as net
            from posting where entry_id = new.id group by currency) per_currency;
  if legs < 2 then
    raise exception 'journal entry % has % posting(s); at least 2 are required', new.id, legs
      using errcode = 'check_violation', constraint = 'journal_entry_balanced';
  end if;
  if unbalanced > 0 then
    raise exception 'journal entry % does not balance: debits <> credits in % currency(ies)', new.id, unbalanced
      using errcode = 'check_violation', constraint = 'journal_entry_balanced';
  end if;
  return null;
end
$$;
