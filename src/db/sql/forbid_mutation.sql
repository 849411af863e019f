-- Trigger function of append-only tables (audit log, ledger entries and postings, refund events):
-- any UPDATE, DELETE or TRUNCATE is refused, even from the application's own role.
create or replace function forbid_mutation()
  returns trigger
  language plpgsql
as $$
begin
  raise exception '% on % is not allowed: append-only table', tg_op, tg_table_name
    using errcode = 'P0001';
end
$$;
