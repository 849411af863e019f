import { Migration } from '@mikro-orm/migrations';

export class Migration20261122000000Foundation extends Migration {
  override async up(): Promise<void> {
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
    // The audit log is append-only: history cannot be rewritten, even by the application's own role.
    this.addSql(`
      create function forbid_mutation() returns trigger language plpgsql as $$
      begin
        raise exception '% on % is not allowed: append-only table', tg_op, tg_table_name
          using errcode = 'P0001';
      end $$;`);
    this.addSql(`
      create trigger audit_event_append_only before update or delete on "audit_event"
        for each row execute function forbid_mutation();`);
    this.addSql(`create trigger audit_event_no_truncate before truncate on "audit_event"
        for each statement execute function forbid_mutation();`);
  }
}
