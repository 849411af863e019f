-- The ledger's one insert: the entry unless its idempotency key exists, then its postings in the
-- given order (legs on physical account shards, sorted by account id, so concurrent posters lock
-- accounts in one order). Returns the entry and its postings; no row when the key existed.
--
-- Plans are generic (`plan_cache_mode`): every statement here finds rows by key, and custom plans
-- for array or JSON parameters were rebuilt on every call (see docs/performance.md).
create or replace function ledger_post_entry(p_kind varchar, p_reference_type varchar,
    p_reference_id varchar, p_memo varchar, p_reverses_entry_id bigint, p_idempotency_key varchar,
    p_body_hash varchar, p_account_ids bigint[], p_directions character[], p_amounts bigint[],
    p_currencies varchar[])
  returns table(id bigint, kind varchar, reference_type varchar, reference_id varchar, memo varchar,
      created_at timestamptz, reverses_entry_id bigint, idempotency_key varchar, p_id bigint,
      p_account_id bigint, p_direction character, p_amount bigint, p_currency varchar)
  language sql
  set plan_cache_mode = force_generic_plan
as $$
with e as (
  insert into journal_entry (kind, reference_type, reference_id, memo, reverses_entry_id, idempotency_key, body_hash)
  values (p_kind, p_reference_type, p_reference_id, p_memo, p_reverses_entry_id, p_idempotency_key, p_body_hash)
  on conflict (idempotency_key) do nothing
  returning journal_entry.id, journal_entry.kind, journal_entry.reference_type, journal_entry.reference_id,
            journal_entry.memo, journal_entry.created_at, journal_entry.reverses_entry_id, journal_entry.idempotency_key
), p as (
  insert into posting (entry_id, account_id, direction, amount_minor, currency)
  select e.id, x.account_id, x.direction, x.amount_minor, x.currency
    from e, unnest(p_account_ids, p_directions, p_amounts, p_currencies) with ordinality
            as x(account_id, direction, amount_minor, currency, n)
   order by x.n
  returning posting.id, posting.account_id, posting.direction, posting.amount_minor, posting.currency
)
select e.id, e.kind, e.reference_type, e.reference_id, e.memo, e.created_at, e.reverses_entry_id,
       e.idempotency_key, p.id, p.account_id, p.direction, p.amount_minor, p.currency
  from e cross join p order by p.id
$$;
