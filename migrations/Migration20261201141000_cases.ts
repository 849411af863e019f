import { Migration } from '@mikro-orm/migrations';

/**
 * After-sales cases (src/cases/): cases, their decisions and appeals, coupons and redeliveries they
 * grant, versioned rule parameters, rider positions and early warnings. Tables, indexes and
 * constraints only; they match the entities (checked by the drift test).
 */
export class Migration20261201141000Cases extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "case_rule_version" ("rule_id" varchar(64) not null, "version" int not null, "params" jsonb not null, "created_by" varchar(128) not null, "note" varchar(500) not null, "created_at" timestamptz not null default now(), primary key ("rule_id", "version"));`);
    this.addSql(`create table "after_sales_case" ("id" varchar(64) not null, "order_id" varchar(64) not null, "customer_id" varchar(64) not null, "merchant_id" varchar(64) not null, "rider_id" varchar(64) null, "type" varchar(16) not null, "channel" varchar(8) not null, "reporter_id" varchar(128) not null, "reporter_role" varchar(16) not null, "description" varchar(2000) not null, "evidence" jsonb not null, "evidence_count" smallint not null default 0, "requested_remedy" varchar(16) not null, "requested_amount_minor" bigint null, "currency" varchar(3) not null, "order_total_minor" bigint not null, "promised_at" timestamptz null, "delivered_at" timestamptz null, "lateness_seconds" int null, "claim_delay_seconds" int null, "status" varchar(24) not null, "severity" varchar(8) null, "classification_rule" varchar(64) null, "classification_rule_version" int null, "review_rule" varchar(64) null, "review_rule_version" int null, "review_figures" jsonb null, "risk" jsonb null, "assignee_id" varchar(128) null, "assigned_at" timestamptz null, "first_reviewed_at" timestamptz null, "decision_count" int not null default 0, "auto_decided" boolean not null default false, "outcome" varchar(16) null, "liable_kind" varchar(16) null, "liable_id" varchar(64) null, "resolved_at" timestamptz null, "rating" smallint null, "rating_comment" varchar(500) null, "rated_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "after_sales_case_customer_id_created_at_index" on "after_sales_case" ("customer_id", "created_at");`);
    this.addSql(`create index "after_sales_case_merchant_id_type_created_at_index" on "after_sales_case" ("merchant_id", "type", "created_at");`);
    this.addSql(`create index "after_sales_case_rider_id_type_created_at_index" on "after_sales_case" ("rider_id", "type", "created_at");`);
    this.addSql(`create index "after_sales_case_status_created_at_index" on "after_sales_case" ("status", "created_at");`);
    this.addSql(`create index "after_sales_case_assignee_id_status_index" on "after_sales_case" ("assignee_id", "status");`);
    this.addSql(`create index "after_sales_case_created_at_index" on "after_sales_case" ("created_at");`);
    this.addSql(`create index "after_sales_case_order_id_index" on "after_sales_case" ("order_id");`);
    this.addSql(`create unique index "after_sales_case_open_unique" on "after_sales_case" ("order_id", "type") where status <> 'RESOLVED';`);
    this.addSql(`create unique index "after_sales_case_detected_unique" on "after_sales_case" ("order_id", "type") where channel = 'SYSTEM';`);
    this.addSql(`create table "case_decision" ("id" varchar(64) not null, "case_id" varchar(64) not null, "seq" int not null, "kind" varchar(16) not null, "amount_minor" bigint null, "currency" varchar(3) not null, "liable_kind" varchar(16) not null, "liable_id" varchar(64) null, "note" varchar(1000) not null, "decided_by" varchar(128) not null, "decided_role" varchar(16) not null, "auto" boolean not null default false, "rule_id" varchar(64) null, "rule_version" int null, "figures" jsonb null, "status" varchar(16) not null, "respond_by" timestamptz null, "response" varchar(16) null, "responded_at" timestamptz null, "refund_id" varchar(64) null, "coupon_code" varchar(32) null, "ledger_entry_id" varchar(64) null, "created_at" timestamptz not null default now(), "executed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "case_decision_refund_id_index" on "case_decision" ("refund_id");`);
    this.addSql(`create index "case_decision_status_respond_by_index" on "case_decision" ("status", "respond_by");`);
    this.addSql(`alter table "case_decision" add constraint "case_decision_seq_unique" unique ("case_id", "seq");`);
    this.addSql(`create table "case_coupon" ("code" varchar(32) not null, "case_id" varchar(64) not null, "decision_id" varchar(64) not null, "customer_id" varchar(64) not null, "amount_minor" bigint not null, "currency" varchar(3) not null, "ledger_entry_id" varchar(64) not null, "issued_at" timestamptz not null default now(), "redeemed_at" timestamptz null, "redeemed_order_id" varchar(64) null, primary key ("code"));`);
    this.addSql(`create index "case_coupon_customer_id_issued_at_index" on "case_coupon" ("customer_id", "issued_at");`);
    this.addSql(`alter table "case_coupon" add constraint "case_coupon_decision_unique" unique ("decision_id");`);
    this.addSql(`create table "case_appeal" ("id" varchar(64) not null, "case_id" varchar(64) not null, "decision_id" varchar(64) not null, "appellant_id" varchar(128) not null, "appellant_role" varchar(16) not null, "statement" varchar(2000) not null, "evidence" jsonb not null, "status" varchar(16) not null, "new_liable_kind" varchar(16) null, "new_liable_id" varchar(64) null, "reviewer_id" varchar(128) null, "review_note" varchar(1000) null, "reviewed_at" timestamptz null, "ledger_entry_id" varchar(64) null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "case_appeal_status_created_at_index" on "case_appeal" ("status", "created_at");`);
    this.addSql(`create index "case_appeal_case_id_index" on "case_appeal" ("case_id");`);
    this.addSql(`alter table "case_appeal" add constraint "case_appeal_decision_unique" unique ("decision_id");`);
    this.addSql(`create table "order_warning" ("id" varchar(64) not null, "order_id" varchar(64) not null, "rider_id" varchar(64) null, "kind" varchar(24) not null, "detail" jsonb not null, "raised_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "order_warning_raised_at_index" on "order_warning" ("raised_at");`);
    this.addSql(`alter table "order_warning" add constraint "order_warning_order_kind_unique" unique ("order_id", "kind");`);
    this.addSql(`create table "case_redelivery" ("id" bigserial primary key, "case_id" varchar(64) not null, "decision_id" varchar(64) not null, "order_id" varchar(64) not null, "merchant_id" varchar(64) not null, "created_at" timestamptz not null default now());`);
    this.addSql(`alter table "case_redelivery" add constraint "case_redelivery_decision_unique" unique ("decision_id");`);
    this.addSql(`create table "rider_position" ("id" bigserial primary key, "order_id" varchar(64) not null, "rider_id" varchar(64) not null, "lat" double precision not null, "lng" double precision not null, "dest_lat" double precision null, "dest_lng" double precision null, "recorded_at" timestamptz not null, "received_at" timestamptz not null default now());`);
    this.addSql(`create index "rider_position_order_id_recorded_at_index" on "rider_position" ("order_id", "recorded_at");`);
    this.addSql(`alter table "case_rule_version" add constraint "case_rule_version_positive" check (version > 0);`);
    this.addSql(`alter table "after_sales_case" add constraint "after_sales_case_order_id_foreign" foreign key ("order_id") references "food_order" ("id") on update restrict on delete restrict;`);
    this.addSql(`alter table "after_sales_case" add constraint "after_sales_case_type_check" check (type in ('LATE', 'DAMAGED', 'MISSING_ITEM', 'WRONG_ITEM', 'NOT_DELIVERED', 'QUALITY', 'OTHER'));`);
    this.addSql(`alter table "after_sales_case" add constraint "after_sales_case_channel_check" check (channel in ('APP', 'PHONE', 'SYSTEM'));`);
    this.addSql(`alter table "after_sales_case" add constraint "after_sales_case_status_check" check (status in ('IN_REVIEW', 'AWAITING_EVIDENCE', 'AWAITING_CUSTOMER', 'EXECUTING', 'MANUAL_FOLLOW_UP', 'RESOLVED'));`);
    this.addSql(`alter table "after_sales_case" add constraint "after_sales_case_severity_check" check (severity in ('MINOR', 'SEVERE'));`);
    this.addSql(`alter table "after_sales_case" add constraint "after_sales_case_remedy_check" check (requested_remedy in ('FULL_REFUND', 'PARTIAL_REFUND', 'COUPON', 'REDELIVERY', 'REJECT') and (requested_amount_minor is null or requested_amount_minor > 0));`);
    this.addSql(`alter table "after_sales_case" add constraint "after_sales_case_resolved_check" check ((status = 'RESOLVED') = (resolved_at is not null and outcome is not null));`);
    this.addSql(`alter table "after_sales_case" add constraint "after_sales_case_outcome_check" check (outcome in ('FULL_REFUND', 'PARTIAL_REFUND', 'COUPON', 'REDELIVERY', 'REJECT'));`);
    this.addSql(`alter table "after_sales_case" add constraint "after_sales_case_liable_check" check (liable_kind in ('MERCHANT', 'RIDER', 'PLATFORM'));`);
    this.addSql(`alter table "after_sales_case" add constraint "after_sales_case_rating_check" check (rating is null or (rating >= 1 and rating <= 5 and resolved_at is not null));`);
    this.addSql(`alter table "case_decision" add constraint "case_decision_case_id_foreign" foreign key ("case_id") references "after_sales_case" ("id") on update restrict on delete restrict;`);
    this.addSql(`alter table "case_decision" add constraint "case_decision_kind_check" check (kind in ('FULL_REFUND', 'PARTIAL_REFUND', 'COUPON', 'REDELIVERY', 'REJECT'));`);
    this.addSql(`alter table "case_decision" add constraint "case_decision_liable_check" check (liable_kind in ('MERCHANT', 'RIDER', 'PLATFORM'));`);
    this.addSql(`alter table "case_decision" add constraint "case_decision_status_check" check (status in ('PROPOSED', 'EXECUTING', 'DONE', 'DECLINED', 'FAILED'));`);
    this.addSql(`alter table "case_decision" add constraint "case_decision_amount_check" check ((kind in ('PARTIAL_REFUND', 'COUPON', 'FULL_REFUND')) = (amount_minor is not null) and (amount_minor is null or amount_minor > 0));`);
    this.addSql(`alter table "case_coupon" add constraint "case_coupon_case_id_foreign" foreign key ("case_id") references "after_sales_case" ("id") on update restrict on delete restrict;`);
    this.addSql(`alter table "case_coupon" add constraint "case_coupon_decision_id_foreign" foreign key ("decision_id") references "case_decision" ("id") on update restrict on delete restrict;`);
    this.addSql(`alter table "case_coupon" add constraint "case_coupon_amount_positive" check (amount_minor > 0);`);
    this.addSql(`alter table "case_appeal" add constraint "case_appeal_case_id_foreign" foreign key ("case_id") references "after_sales_case" ("id") on update restrict on delete restrict;`);
    this.addSql(`alter table "case_appeal" add constraint "case_appeal_decision_id_foreign" foreign key ("decision_id") references "case_decision" ("id") on update restrict on delete restrict;`);
    this.addSql(`alter table "case_appeal" add constraint "case_appeal_status_check" check (status in ('PENDING', 'UPHELD', 'OVERTURNED'));`);
    this.addSql(`alter table "case_appeal" add constraint "case_appeal_reviewed_check" check ((status = 'PENDING') = (reviewed_at is null));`);
    this.addSql(`alter table "order_warning" add constraint "order_warning_kind_check" check (kind in ('RIDER_STATIONARY', 'RIDER_MOVING_AWAY'));`);
    this.addSql(`alter table "case_redelivery" add constraint "case_redelivery_case_id_foreign" foreign key ("case_id") references "after_sales_case" ("id") on update restrict on delete restrict;`);
    this.addSql(`alter table "case_redelivery" add constraint "case_redelivery_decision_id_foreign" foreign key ("decision_id") references "case_decision" ("id") on update restrict on delete restrict;`);
  }
}
