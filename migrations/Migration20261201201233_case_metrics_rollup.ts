import { Migration } from '@mikro-orm/migrations';

export class Migration20261201201233CaseMetricsRollup extends Migration {

  override name = 'Migration20261201201233_case_metrics_rollup';

  override up(): void | Promise<void> {
    this.addSql(`create table "case_metrics_change" ("id" bigserial primary key, "hour" timestamptz not null);`);

    this.addSql(`create table "case_metrics_hour" ("hour" timestamptz not null, "cases" int not null, "auto" int not null, "by_type" jsonb null, "by_severity" jsonb null, "by_outcome" jsonb null, "by_channel" jsonb null, "review" float8[] not null, "resolve" float8[] not null, "ratings" int not null, "rating_sum" bigint not null, "settled" int not null, "settle" float8[] not null, "settled24h" int not null, "refund_totals" jsonb null, "coupon_totals" jsonb null, "appealable" int not null, "appeals" int not null, "reviewed" int not null, "overturned" int not null, "refreshed_at" timestamptz not null default now(), primary key ("hour"));`);

    this.addSql(`create index "after_sales_case_open_unassigned_idx" on "after_sales_case" ("created_at", "id") where status <> 'RESOLVED' and assignee_id is null;`);

    // Almost every unassigned case is open; without this PostgreSQL multiplies the two fractions.
    this.addSql(`create statistics "after_sales_case_status_assignee_stats" (mcv) on "status", "assignee_id" from "after_sales_case";`);

    // Existing cases: every hour that has one is computed by the first refresh.
    this.addSql(`insert into "case_metrics_change" ("hour") select distinct date_trunc('hour', "created_at", 'UTC') from "after_sales_case";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "case_metrics_change" cascade;`);
    this.addSql(`drop table if exists "case_metrics_hour" cascade;`);

    this.addSql(`drop statistics "after_sales_case_status_assignee_stats";`);
    this.addSql(`drop index "after_sales_case_open_unassigned_idx";`);
  }

}
