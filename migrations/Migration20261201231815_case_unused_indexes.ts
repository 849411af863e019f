import { Migration } from '@mikro-orm/migrations';

/**
 * Two indexes of after_sales_case that no query reads (checked with EXPLAIN, see docs/performance.md):
 * `(order_id)` (cases are found by order only through the unique open / detected indexes) and
 * `(status, created_at)` (the queue reads the open-case partial indexes). Every report paid for both.
 */
export class Migration20261201231815CaseUnusedIndexes extends Migration {

  override name = 'Migration20261201231815_case_unused_indexes';

  override up(): void | Promise<void> {
    this.addSql(`drop index "after_sales_case_order_id_index";`);
    this.addSql(`drop index "after_sales_case_status_created_at_index";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`create index "after_sales_case_order_id_index" on "after_sales_case" ("order_id");`);
    this.addSql(`create index "after_sales_case_status_created_at_index" on "after_sales_case" ("status", "created_at");`);
  }

}
