import { Migration } from '@mikro-orm/migrations';

export class Migration20261201181541CaseDecisionCreatedAtIndex extends Migration {

  override name = 'Migration20261201181541_case_decision_created_at_index';

  override up(): void | Promise<void> {
    this.addSql(`create index "case_decision_created_at_index" on "case_decision" ("created_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "case_decision_created_at_index";`);
  }

}
