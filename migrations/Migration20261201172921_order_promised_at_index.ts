import { Migration } from '@mikro-orm/migrations';

export class Migration20261201172921OrderPromisedAtIndex extends Migration {

  override name = 'Migration20261201172921_order_promised_at_index';

  override up(): void | Promise<void> {
    this.addSql(`create index "food_order_promised_at_index" on "food_order" ("promised_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "food_order_promised_at_index";`);
  }

}
