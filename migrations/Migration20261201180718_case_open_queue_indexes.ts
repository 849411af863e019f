import { Migration } from '@mikro-orm/migrations';

export class Migration20261201180718CaseOpenQueueIndexes extends Migration {

  override name = 'Migration20261201180718_case_open_queue_indexes';

  override up(): void | Promise<void> {
    this.addSql(`create index "after_sales_case_open_queue_idx" on "after_sales_case" ("created_at", "id") where status <> 'RESOLVED';`);
    this.addSql(`create index "after_sales_case_open_merchant_idx" on "after_sales_case" ("merchant_id", "created_at", "id") where status <> 'RESOLVED';`);

    this.addSql(`alter table "case_coupon" add constraint "case_coupon_redeemed_check" check ((redeemed_at is null) = (redeemed_order_id is null));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "after_sales_case_open_queue_idx";`);
    this.addSql(`drop index "after_sales_case_open_merchant_idx";`);

    this.addSql(`alter table "case_coupon" drop constraint "case_coupon_redeemed_check";`);
  }

}
