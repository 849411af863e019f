import { Migration } from '@mikro-orm/migrations';

/**
 * The schema's baseline: every table, column, index and constraint, squashed from the thirteen
 * migrations that built it (there was no production deployment). Tables only: functions and triggers
 * come from the `sql/` files beside their modules, applied after the migrations by the repeatable step
 * (src/db/repeatable.ts). Tables match the entities (test/db.test.ts). Never edit this file: add a
 * migration.
 */
export class Migration20261122000000Baseline extends Migration {
  override async up(): Promise<void> {
    this.audit();
    this.ledger();
    this.paymentsAndRefunds();
  }

  private audit(): void {
    this.addSql(`
      create table "audit_event" (
        "id" varchar(64) not null,
        "occurred_at" timestamptz not null default now(),
        "actor_id" varchar(128) not null,
        "actor_role" varchar(16) not null,
        "action" varchar(64) not null,
        "subject_type" varchar(32) not null,
        "subject_id" varchar(64) not null,
        "request_id" varchar(64) null,
        "before" jsonb null,
        "after" jsonb null,
        constraint "audit_event_pkey" primary key ("id")
      );`);
    this.addSql(
      `create index "audit_event_subject_type_subject_id_occurred_at_index" on "audit_event" ("subject_type", "subject_id", "occurred_at");`,
    );
  }

  /**
   * An account's type, currency and shard are checked by its guard trigger on insert (they never change),
   * not by CHECK constraints that would be re-evaluated on every posting's balance update. Postings
   * reference their entry and account without foreign keys: the posting trigger proves both exist (the
   * FKs' row locks on hot accounts were costly), and neither entries nor accounts can be deleted.
   */
  private ledger(): void {
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
        "created_at" timestamptz not null default now(),
        "shard" smallint not null default 0
      );`);
    this.addSql(`create index "ledger_account_owner_kind_owner_id_index" on "ledger_account" ("owner_kind", "owner_id");`);
    this.addSql(`alter table "ledger_account" add constraint "ledger_account_code_currency_shard_unique"
      unique ("code", "currency", "shard");`);
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
  }

  /** Orders, payments, refunds and their events, the provider-notify inbox, ops exceptions, notifications. */
  private paymentsAndRefunds(): void {
    this.addSql(`create table "notification" ("id" varchar(64) not null, "recipient_kind" varchar(16) not null, "recipient_id" varchar(64) not null, "kind" varchar(48) not null, "title" varchar(200) not null, "body" varchar(1000) not null, "data" jsonb not null, "dedupe_key" varchar(200) not null, "created_at" timestamptz not null default now(), "read_at" timestamptz null, "delivery_status" varchar(16) not null, "delivery_attempts" int not null default 0, "delivered_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "notification" add constraint "notification_dedupe_key_unique" unique ("dedupe_key");`);
    this.addSql(`create index "notification_recipient_kind_recipient_id_created_at_index" on "notification" ("recipient_kind", "recipient_id", "created_at");`);
    this.addSql(`create table "ops_exception" ("id" varchar(64) not null, "kind" varchar(48) not null, "severity" varchar(8) not null, "channel" varchar(16) null, "reference_type" varchar(32) not null, "reference_id" varchar(64) not null, "detail" jsonb not null, "created_at" timestamptz not null default now(), "resolved_at" timestamptz null, "resolved_by" varchar(128) null, "resolution" varchar(500) null, primary key ("id"));`);
    this.addSql(`create index "ops_exception_resolved_at_created_at_index" on "ops_exception" ("resolved_at", "created_at");`);
    this.addSql(`create index "ops_exception_reference_type_reference_id_index" on "ops_exception" ("reference_type", "reference_id");`);
    this.addSql(`create table "food_order" ("id" varchar(64) not null, "customer_id" varchar(64) not null, "merchant_id" varchar(64) not null, "rider_id" varchar(64) null, "total_minor" bigint not null, "currency" varchar(3) not null, "promised_at" timestamptz null, "delivered_at" timestamptz null, "delivery_status" varchar(16) not null, "status_changed_at" timestamptz not null, "refund_status" varchar(24) not null default 'NONE', "payment_channel" varchar(16) null, "out_trade_no" varchar(64) null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "food_order_customer_id_created_at_index" on "food_order" ("customer_id", "created_at");`);
    this.addSql(`create index "food_order_merchant_id_created_at_index" on "food_order" ("merchant_id", "created_at");`);
    this.addSql(`alter table "food_order" add constraint "food_order_payment_channel_out_trade_no_unique" unique ("payment_channel", "out_trade_no");`);
    this.addSql(`create table "payment" ("id" varchar(64) not null, "order_id" varchar(64) not null, "customer_id" varchar(64) not null, "merchant_id" varchar(64) not null, "channel" varchar(16) not null, "out_trade_no" varchar(64) not null, "provider_transaction_id" varchar(64) null, "amount_minor" bigint not null, "currency" varchar(3) not null, "commission_minor" bigint not null default '0', "rider_id" varchar(64) null, "rider_minor" bigint not null default '0', "reserved_minor" bigint not null default '0', "refunded_minor" bigint not null default '0', "refund_count" int not null default 0, "source" varchar(16) not null, "captured_at" timestamptz not null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "payment_order_id_index" on "payment" ("order_id");`);
    this.addSql(`create index "payment_customer_id_created_at_index" on "payment" ("customer_id", "created_at");`);
    this.addSql(`alter table "payment" add constraint "payment_channel_out_trade_no_unique" unique ("channel", "out_trade_no");`);
    this.addSql(`create table "provider_notification" ("id" bigserial primary key, "channel" varchar(16) not null, "notify_id" varchar(128) not null, "dedupe_key" varchar(200) not null, "event" jsonb not null, "received_at" timestamptz not null default now(), "deliveries" int not null default 1, "status" varchar(16) not null, "processed_at" timestamptz null, "outcome" varchar(500) null);`);
    this.addSql(`create index "provider_notification_status_received_at_index" on "provider_notification" ("status", "received_at");`);
    this.addSql(`alter table "provider_notification" add constraint "provider_notification_dedupe_unique" unique ("channel", "dedupe_key");`);
    this.addSql(`create table "refund" ("id" varchar(64) not null, "payment_id" varchar(64) not null, "order_id" varchar(64) not null, "customer_id" varchar(64) not null, "merchant_id" varchar(64) not null, "channel" varchar(16) not null, "amount_minor" bigint not null, "currency" varchar(3) not null, "reason" varchar(500) not null, "liable" jsonb not null, "case_id" varchar(64) null, "status" varchar(16) not null, "settled_by" varchar(16) null, "provider_refund_id" varchar(64) null, "idempotency_scope" varchar(160) not null, "idempotency_key" varchar(200) not null, "request_hash" varchar(64) not null, "requested_by" varchar(128) not null, "requested_role" varchar(16) not null, "attempts" int not null default 0, "last_error_code" varchar(64) null, "last_error_message" varchar(500) null, "lease_until" timestamptz null, "submitted_at" timestamptz null, "finalized_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "refund_payment_id_index" on "refund" ("payment_id");`);
    this.addSql(`create index "refund_order_id_index" on "refund" ("order_id");`);
    this.addSql(`create index "refund_status_updated_at_index" on "refund" ("status", "updated_at");`);
    this.addSql(`create index "refund_customer_id_created_at_index" on "refund" ("customer_id", "created_at");`);
    this.addSql(`create index "refund_merchant_id_created_at_index" on "refund" ("merchant_id", "created_at");`);
    this.addSql(`create index "refund_created_at_index" on "refund" ("created_at");`);
    this.addSql(`alter table "refund" add constraint "refund_idempotency_unique" unique ("idempotency_scope", "idempotency_key");`);
    this.addSql(`create table "refund_event" ("id" bigserial primary key, "refund_id" varchar(64) not null, "from_status" varchar(16) null, "to_status" varchar(16) not null, "source" varchar(24) not null, "actor_id" varchar(128) not null, "actor_role" varchar(16) not null, "detail" jsonb null, "occurred_at" timestamptz not null default now());`);
    this.addSql(`create index "refund_event_refund_id_id_index" on "refund_event" ("refund_id", "id");`);
    this.addSql(`alter table "ops_exception" add constraint "ops_exception_severity_check" check (severity in ('LOW', 'MEDIUM', 'HIGH'));`);
    this.addSql(`alter table "food_order" add constraint "food_order_total_positive" check (total_minor > 0);`);
    this.addSql(`alter table "food_order" add constraint "food_order_refund_status_check" check (refund_status in ('NONE', 'PARTIALLY_REFUNDED', 'REFUNDED'));`);
    this.addSql(`alter table "payment" add constraint "payment_order_id_foreign" foreign key ("order_id") references "food_order" ("id") on update restrict on delete restrict;`);
    this.addSql(`alter table "payment" add constraint "payment_amount_positive" check (amount_minor > 0);`);
    this.addSql(`alter table "payment" add constraint "payment_refund_cap" check (0 <= refunded_minor and refunded_minor <= reserved_minor and reserved_minor <= amount_minor);`);
    this.addSql(`alter table "payment" add constraint "payment_split_check" check (commission_minor >= 0 and rider_minor >= 0 and commission_minor + rider_minor <= amount_minor);`);
    this.addSql(`alter table "refund" add constraint "refund_payment_id_foreign" foreign key ("payment_id") references "payment" ("id") on update restrict on delete restrict;`);
    this.addSql(`alter table "refund" add constraint "refund_order_id_foreign" foreign key ("order_id") references "food_order" ("id") on update restrict on delete restrict;`);
    this.addSql(`alter table "refund" add constraint "refund_amount_positive" check (amount_minor > 0);`);
    this.addSql(`alter table "refund" add constraint "refund_status_check" check (status in ('PENDING', 'PROCESSING', 'SUCCEEDED', 'FAILED', 'CLOSED', 'ABNORMAL'));`);
    this.addSql(`alter table "refund_event" add constraint "refund_event_refund_id_foreign" foreign key ("refund_id") references "refund" ("id") on update restrict on delete restrict;`);
  }
}
