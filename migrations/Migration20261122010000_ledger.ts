import { Migration } from '@mikro-orm/migrations';

/**
 * The double-entry ledger (DESIGN.md §3). Tables match `src/ledger/*.entity.ts`; the invariants are
 * enforced here, by the database, so no code path (or hand-written SQL) can break them:
 *  1. every entry balances per currency and has ≥ 2 postings — deferred constraint trigger, at commit;
 *  2. entries and postings are append-only — UPDATE/DELETE/TRUNCATE refused;
 *  3. cached account totals move only with postings — the posting trigger updates them, a guard trigger
 *     refuses any other change;
 *  4. non-negative accounts never go below zero — a CHECK on the account row, evaluated on each update
 *     under the row lock, so concurrent posters are serialised per account;
 *  + a posting's currency equals its account's, and postings join only an entry created in the same
 *    transaction (otherwise a later insert could unbalance an already-checked entry).
 */
export class Migration20261122010000Ledger extends Migration {
  override async up(): Promise<void> {
    this.tables();
    this.appendOnly();
    this.postingTrigger();
    this.accountGuard();
    this.balanceCheck();
  }

  private tables(): void {
    this.addSql(`
      create table "ledger_account" (
        "id" bigserial primary key,
        "code" varchar(128) not null,
        "currency" varchar(3) not null,
        "type" varchar(16) not null,
        "owner_kind" varchar(16) null,
        "owner_id" varchar(64) null,
        "non_negative" boolean not null default false,
        "debits_minor" bigint not null default '0',
        "credits_minor" bigint not null default '0',
        "created_at" timestamptz not null default now()
      );`);
    this.addSql(`create index "ledger_account_owner_kind_owner_id_index" on "ledger_account" ("owner_kind", "owner_id");`);
    this.addSql(`alter table "ledger_account" add constraint "ledger_account_code_currency_unique" unique ("code", "currency");`);
    this.addSql(`alter table "ledger_account" add constraint "ledger_account_type_check"
      check (type in ('ASSET', 'LIABILITY', 'EQUITY', 'REVENUE', 'EXPENSE'));`);
    this.addSql(`alter table "ledger_account" add constraint "ledger_account_currency_check" check (currency ~ '^[A-Z]{3}$');`);
    this.addSql(`alter table "ledger_account" add constraint "ledger_account_totals_check"
      check (debits_minor >= 0 and credits_minor >= 0);`);
    // Balance on the account's normal side: debit-normal for ASSET/EXPENSE, credit-normal otherwise.
    this.addSql(`alter table "ledger_account" add constraint "ledger_account_non_negative"
      check (not non_negative or (case when type in ('ASSET', 'EXPENSE') then debits_minor - credits_minor else credits_minor - debits_minor end) >= 0);`);

    this.addSql(`
      create table "journal_entry" (
        "id" bigserial primary key,
        "kind" varchar(32) not null,
        "reference_type" varchar(32) not null,
        "reference_id" varchar(64) not null,
        "memo" varchar(500) null,
        "created_at" timestamptz not null default now(),
        "reverses_entry_id" bigint null,
        "idempotency_key" varchar(200) not null,
        "body_hash" varchar(64) not null,
        "created_xact" xid8 not null default pg_current_xact_id()
      );`);
    this.addSql(`alter table "journal_entry" add constraint "journal_entry_reverses_entry_id_unique" unique ("reverses_entry_id");`);
    this.addSql(`alter table "journal_entry" add constraint "journal_entry_idempotency_key_unique" unique ("idempotency_key");`);
    this.addSql(`create index "journal_entry_reference_type_reference_id_index" on "journal_entry" ("reference_type", "reference_id");`);
    this.addSql(`create index "journal_entry_created_at_index" on "journal_entry" ("created_at");`);
    this.addSql(`alter table "journal_entry" add constraint "journal_entry_reverses_entry_id_foreign"
      foreign key ("reverses_entry_id") references "journal_entry" ("id") on update restrict on delete restrict;`);

    this.addSql(`
      create table "posting" (
        "id" bigserial primary key,
        "entry_id" bigint not null,
        "account_id" bigint not null,
        "direction" char(1) not null,
        "amount_minor" bigint not null,
        "currency" varchar(3) not null
      );`);
    this.addSql(`create index "posting_entry_id_index" on "posting" ("entry_id");`);
    this.addSql(`create index "posting_account_id_id_index" on "posting" ("account_id", "id");`);
    this.addSql(`alter table "posting" add constraint "posting_amount_positive" check (amount_minor > 0);`);
    this.addSql(`alter table "posting" add constraint "posting_direction_check" check (direction in ('D', 'C'));`);
    this.addSql(`alter table "posting" add constraint "posting_entry_id_foreign"
      foreign key ("entry_id") references "journal_entry" ("id") on update restrict on delete restrict;`);
    this.addSql(`alter table "posting" add constraint "posting_account_id_foreign"
      foreign key ("account_id") references "ledger_account" ("id") on update restrict on delete restrict;`);
  }

  /** Invariant 2. `forbid_mutation()` comes from the foundation migration. */
  private appendOnly(): void {
    for (const table of ['journal_entry', 'posting']) {
      this.addSql(`create trigger "${table}_append_only" before update or delete on "${table}"
        for each row execute function forbid_mutation();`);
      this.addSql(`create trigger "${table}_no_truncate" before truncate on "${table}"
        for each statement execute function forbid_mutation();`);
    }
  }

  /**
   * Once per INSERT statement on posting (transition table, so a multi-row insert costs one call):
   * refuse postings to entries from another transaction, lock the touched accounts in id order (so
   * concurrent posters cannot deadlock on them), then add the totals. The account UPDATE re-reads the
   * locked row, so concurrent postings never lose an update, and the non-negative CHECK sees the result.
   */
  private postingTrigger(): void {
    this.addSql(`
      create function ledger_apply_postings() returns trigger language plpgsql as $$
      declare
        expected bigint;
        applied bigint;
      begin
        if exists (
          select 1 from journal_entry e
           where e.id in (select distinct entry_id from new_postings)
             and e.created_xact <> pg_current_xact_id()
        ) then
          raise exception 'postings may only be added in the transaction that created their journal entry'
            using errcode = 'check_violation', constraint = 'posting_entry_open';
        end if;

        perform 1 from ledger_account
          where id in (select distinct account_id from new_postings)
          order by id
          for no key update;

        with delta as (
          select account_id, currency,
                 coalesce(sum(amount_minor) filter (where direction = 'D'), 0) as debits,
                 coalesce(sum(amount_minor) filter (where direction = 'C'), 0) as credits
            from new_postings
           group by account_id, currency
        ), touched as (
          update ledger_account a
             set debits_minor = a.debits_minor + delta.debits,
                 credits_minor = a.credits_minor + delta.credits
            from delta
           where a.id = delta.account_id and a.currency = delta.currency
          returning 1
        )
        select (select count(*) from delta), (select count(*) from touched) into expected, applied;

        if applied <> expected then
          raise exception 'a posting''s currency must equal its account''s currency'
            using errcode = 'check_violation', constraint = 'posting_currency_matches_account';
        end if;
        return null;
      end $$;`);
    this.addSql(`create trigger "posting_apply" after insert on "posting"
      referencing new table as new_postings
      for each statement execute function ledger_apply_postings();`);
  }

  /**
   * Invariant 3: totals start at zero and change only from inside the posting trigger
   * (pg_trigger_depth() > 1 there; a client's own UPDATE runs this guard at depth 1).
   * Identity columns never change, and accounts are never deleted.
   */
  private accountGuard(): void {
    this.addSql(`
      create function ledger_account_guard() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then
          raise exception 'DELETE on ledger_account is not allowed' using errcode = 'P0001';
        end if;
        if tg_op = 'INSERT' then
          if new.debits_minor <> 0 or new.credits_minor <> 0 then
            raise exception 'a new account starts with zero totals' using errcode = 'P0001';
          end if;
          return new;
        end if;
        if new.id <> old.id or new.code <> old.code or new.currency <> old.currency or new.type <> old.type then
          raise exception 'account id, code, currency and type are immutable' using errcode = 'P0001';
        end if;
        if (new.debits_minor <> old.debits_minor or new.credits_minor <> old.credits_minor)
           and pg_trigger_depth() < 2 then
          raise exception 'cached balances change only through postings' using errcode = 'P0001';
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger "ledger_account_guard" before insert or update or delete on "ledger_account"
      for each row execute function ledger_account_guard();`);
    this.addSql(`create trigger "ledger_account_no_truncate" before truncate on "ledger_account"
      for each statement execute function forbid_mutation();`);
  }

  /** Invariant 1, checked at commit so an entry and its postings can be inserted in any order. */
  private balanceCheck(): void {
    this.addSql(`
      create function ledger_check_entry_balanced() returns trigger language plpgsql as $$
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
      end $$;`);
    this.addSql(`create constraint trigger "journal_entry_balanced" after insert on "journal_entry"
      deferrable initially deferred
      for each row execute function ledger_check_entry_balanced();`);
  }
}
