-- Several entries in one call, each unless its idempotency key exists, with one statement per table
-- (the group commit of refund requests posts one entry per refund). Entry `n` is element `n` of the
-- entry arrays; its legs are the elements of the leg arrays whose `p_leg_entries` is `n`, inserted
-- entry by entry in the given order. Every account posted to is locked first, in id order
-- (`ledger_lock_accounts`), so concurrent posters never wait on each other in opposite orders.
-- Returns `n` and the id of each entry it created, in order; an entry whose key existed is left out
-- (with its legs). Two entries with one key in a call are refused: they would share one entry's id.
-- The posting trigger and the deferred balance check apply to every row, as for `ledger_post_entry`.
--
-- Plans are generic (`plan_cache_mode`): every statement here finds rows by key, and custom plans
-- for array or JSON parameters were rebuilt on every call (see docs/performance.md).
create or replace function ledger_post_entries(p_kinds varchar[], p_reference_types varchar[],
    p_reference_ids varchar[], p_memos varchar[], p_reverses_entry_ids bigint[], p_idempotency_keys
    varchar[], p_body_hashes varchar[], p_leg_entries integer[], p_account_ids bigint[], p_directions
    character[], p_amounts bigint[], p_currencies varchar[])
  returns table(n integer, id bigint)
  language plpgsql
  set plan_cache_mode = force_generic_plan
as $$
begin
  if cardinality(array(select distinct k from unnest(p_idempotency_keys) as k))
       <> coalesce(cardinality(p_idempotency_keys), 0) then
    raise exception 'two entries of one call have the same idempotency key'
      using errcode = 'P0001';
  end if;
  perform ledger_lock_accounts(p_account_ids);
  return query
  with x as (
    select * from unnest(p_kinds, p_reference_types, p_reference_ids, p_memos, p_reverses_entry_ids,
                         p_idempotency_keys, p_body_hashes) with ordinality
             as x(kind, reference_type, reference_id, memo, reverses_entry_id, idempotency_key, body_hash, n)
  ), e as (
    insert into journal_entry (kind, reference_type, reference_id, memo, reverses_entry_id, idempotency_key,
                               body_hash)
    select x.kind, x.reference_type, x.reference_id, x.memo, x.reverses_entry_id, x.idempotency_key, x.body_hash
      from x order by x.n
    on conflict (idempotency_key) do nothing
    returning journal_entry.id, journal_entry.idempotency_key
  ), created as (
    select x.n, e.id from x join e on e.idempotency_key = x.idempotency_key
  ), p as (
    insert into posting (entry_id, account_id, direction, amount_minor, currency)
    select created.id, l.account_id, l.direction, l.amount_minor, l.currency
      from unnest(p_leg_entries, p_account_ids, p_directions, p_amounts, p_currencies) with ordinality
             as l(entry, account_id, direction, amount_minor, currency, m)
      join created on created.n = l.entry
     order by l.entry, l.m
  )
  select created.n::int, created.id from created order by created.n;
end
$$;
