import { Migration } from '@mikro-orm/migrations';

/**
 * Hot accounts get several physical rows ("shards"). Every posting row-locks its account until commit
 * (the row carries the cached totals and the non-negative CHECK), so one row per `refunds:{p}:in_flight`
 * or `provider:{p}:clearing` serialised every refund or capture of a provider. A logical account is
 * still (code, currency); its rows differ by `shard`, the service spreads postings over them by entry
 * reference, and reads sum them. Existing rows become shard 0, so nothing is moved or rewritten.
 *
 * Every invariant stays per row, and so holds for the sum: totals move only through postings, and a
 * non-negative account's CHECK applies to each shard (no shard below zero ⇒ the sum is not either).
 * The guard also keeps `shard` immutable and refuses a shard whose type, owner or non-negative flag
 * differs from its siblings', so the rows of one logical account cannot disagree on what it is.
 */
export class Migration20261122030000LedgerHotShards extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "ledger_account" add column "shard" smallint not null default 0;`);
    this.addSql(`alter table "ledger_account" add constraint "ledger_account_shard_check" check (shard >= 0);`);
    this.addSql(`alter table "ledger_account" drop constraint "ledger_account_code_currency_unique";`);
    this.addSql(`alter table "ledger_account" add constraint "ledger_account_code_currency_shard_unique"
      unique ("code", "currency", "shard");`);
    this.addSql(`
      create or replace function ledger_account_guard() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then
          raise exception 'DELETE on ledger_account is not allowed' using errcode = 'P0001';
        end if;
        if tg_op = 'INSERT' then
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
      end $$;`);
  }
}
