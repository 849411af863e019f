import { Migration } from '@mikro-orm/migrations';

/**
 * Partial indexes on the back office's audit events (actor role SUPPORT, FINANCE or ADMIN) for the
 * adminActions query: newest first over all of them, or over one actor's.
 */
export class Migration20261201170615AdminActionsIndex extends Migration {

  override name = 'Migration20261201170615_admin_actions_index';

  override up(): void | Promise<void> {
    this.addSql(`create index "audit_event_back_office_idx" on "audit_event" ("occurred_at", "id") where actor_role in ('SUPPORT', 'FINANCE', 'ADMIN');`);
    this.addSql(`create index "audit_event_back_office_actor_idx" on "audit_event" ("actor_id", "occurred_at", "id") where actor_role in ('SUPPORT', 'FINANCE', 'ADMIN');`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "audit_event_back_office_idx";`);
    this.addSql(`drop index "audit_event_back_office_actor_idx";`);
  }

}
