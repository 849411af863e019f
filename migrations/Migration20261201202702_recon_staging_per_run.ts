import { Migration } from '@mikro-orm/migrations';

/** Statement rows are staged per run (recon.store.ts) and parsed again by every run: the shared table goes. */
export class Migration20261201202702ReconStagingPerRun extends Migration {

  override name = 'Migration20261201202702_recon_staging_per_run';

  override up(): void | Promise<void> {
    this.addSql(`drop table if exists "recon_statement_row" cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`create table "recon_statement_row" ("amount_minor" bigint not null, "currency" varchar(3) not null, "fee_scale" smallint not null, "fee_units" bigint not null, "file_id" varchar(64) not null, "kind" varchar(8) not null, "line_no" int not null, "occurred_at" timestamptz(6) not null, "out_trade_no" varchar(64) not null, "provider_refund_id" varchar(64) null, "provider_status" varchar(16) not null, "refund_no" varchar(64) null, "transaction_id" varchar(64) not null, primary key ("file_id", "line_no"));`);
  }

}
