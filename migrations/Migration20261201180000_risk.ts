import { Migration } from '@mikro-orm/migrations';

/**
 * Risk flagging (src/risk/): rule versions, flags with their evidence and the nightly sweep's runs; the payer account of a payment (shared-payer clusters). The customer
 * indexes of refund and payment carry the columns the risk figures read, so the online evaluation is
 * index-only.
 */
export class Migration20261201180000Risk extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "risk_flag" ("id" varchar(64) not null, "subject_kind" varchar(16) not null, "subject_id" varchar(64) not null, "rule_id" varchar(64) not null, "rule_version" int not null, "action" varchar(24) not null, "mode" varchar(16) not null, "status" varchar(16) not null, "active_key" varchar(200) null, "trigger" varchar(16) not null, "trigger_subject_id" varchar(64) null, "figures" jsonb not null, "thresholds" jsonb not null, "evidence" jsonb not null, "activity_ids" text[] not null, "raised_at" timestamptz not null default now(), "expires_at" timestamptz not null, "expired_at" timestamptz null, "cleared_at" timestamptz null, "cleared_by" varchar(128) null, "clear_reason" varchar(500) null, primary key ("id"));`);
    this.addSql(`create index "risk_flag_subject_id_subject_kind_status_index" on "risk_flag" ("subject_id", "subject_kind", "status");`);
    this.addSql(`create index "risk_flag_status_expires_at_index" on "risk_flag" ("status", "expires_at");`);
    this.addSql(`create index "risk_flag_raised_at_index" on "risk_flag" ("raised_at");`);
    this.addSql(`alter table "risk_flag" add constraint "risk_flag_active_key_unique" unique ("active_key");`);
    this.addSql(`create table "risk_rule_version" ("rule_id" varchar(64) not null, "version" int not null, "params" jsonb not null, "action" varchar(24) not null, "mode" varchar(16) not null, "created_by" varchar(128) not null, "note" varchar(500) null, "created_at" timestamptz not null default now(), primary key ("rule_id", "version"));`);
    this.addSql(`create table "risk_sweep_run" ("run_key" varchar(64) not null, "as_of" timestamptz not null, "started_at" timestamptz not null default now(), "finished_at" timestamptz null, "customers" int not null default 0, "raised" int not null default 0, "expired" int not null default 0, primary key ("run_key"));`);
    this.addSql(`drop index "payment_customer_id_created_at_index";`);
    this.addSql(`alter table "payment" add "payer_account" varchar(128) null;`);
    this.addSql(`create index "payment_payer_account_created_at_index" on "payment" ("payer_account", "created_at") include ("customer_id");`);
    this.addSql(`create index "payment_customer_id_created_at_index" on "payment" ("customer_id", "created_at") include ("amount_minor", "currency", "payer_account");`);
    this.addSql(`create index "food_order_created_at_index" on "food_order" ("created_at") include ("merchant_id", "rider_id");`);
    this.addSql(`drop index "refund_customer_id_created_at_index";`);
    this.addSql(`create index "refund_customer_id_created_at_index" on "refund" ("customer_id", "created_at") include ("order_id", "amount_minor", "currency", "status");`);
    this.addSql(`alter table "risk_flag" add constraint "risk_flag_status_check" check (status in ('ACTIVE', 'EXPIRED', 'CLEARED'));`);
    this.addSql(`alter table "risk_flag" add constraint "risk_flag_mode_check" check (mode in ('ENFORCE', 'SHADOW'));`);
    this.addSql(`alter table "risk_flag" add constraint "risk_flag_subject_kind_check" check (subject_kind in ('CUSTOMER', 'MERCHANT', 'RIDER'));`);
    this.addSql(`alter table "risk_flag" add constraint "risk_flag_active_key_check" check ((status = 'ACTIVE') = (active_key is not null));`);
    this.addSql(`alter table "risk_flag" add constraint "risk_flag_cleared_check" check ((status = 'CLEARED') = (cleared_at is not null and clear_reason is not null));`);
    this.addSql(`alter table "risk_rule_version" add constraint "risk_rule_version_action_check" check (action in ('REVIEW', 'BLOCK_AUTO_REFUND', 'WATCH'));`);
    this.addSql(`alter table "risk_rule_version" add constraint "risk_rule_version_mode_check" check (mode in ('ENFORCE', 'SHADOW', 'OFF'));`);
    this.addSql(`alter table "risk_rule_version" add constraint "risk_rule_version_positive" check (version > 0);`);
  }
}
