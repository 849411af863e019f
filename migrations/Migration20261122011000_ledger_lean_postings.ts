import { Migration } from '@mikro-orm/migrations';

/**
 * Drops the posting → ledger_account foreign key. On hot accounts (provider clearing, commission) every
 * FK check took a KEY SHARE lock on a row that concurrent posters hold FOR NO KEY UPDATE, turning each
 * lock into a MultiXact; the benchmark lost about a third of its throughput to it. Referential
 * integrity stays enforced by the database: the posting trigger updates every referenced account and
 * refuses the statement when one is missing (foreign_key_violation, `posting_account_exists`), and
 * accounts can never be deleted (`ledger_account_guard`).
 */
export class Migration20261122011000LedgerLeanPostings extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "posting" drop constraint "posting_account_id_foreign";`);
    this.addSql(`
      create or replace function ledger_apply_postings() returns trigger language plpgsql as $$
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
          if exists (select 1 from new_postings p where not exists (select 1 from ledger_account a where a.id = p.account_id)) then
            raise exception 'a posting refers to an account that does not exist'
              using errcode = 'foreign_key_violation', constraint = 'posting_account_exists';
          end if;
          raise exception 'a posting''s currency must equal its account''s currency'
            using errcode = 'check_violation', constraint = 'posting_currency_matches_account';
        end if;
        return null;
      end $$;`);
  }
}
