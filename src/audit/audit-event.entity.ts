import { defineEntity, p } from '@mikro-orm/core';

/** One audited action: who (actor, role), what, on which subject, when, before/after. Append-only. */
export const AuditEventSchema = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_event',
  properties: {
    id: p.string().primary().length(64),
    occurredAt: p.datetime().defaultRaw('now()'),
    actorId: p.string().length(128),
    actorRole: p.string().length(16),
    action: p.string().length(64),
    subjectType: p.string().length(32),
    subjectId: p.string().length(64),
    requestId: p.string().length(64).nullable(),
    before: p.json<Record<string, unknown>>().nullable(),
    after: p.json<Record<string, unknown>>().nullable(),
  },
  indexes: [
    { properties: ['subjectType', 'subjectId', 'occurredAt'] },
    // The back office's actions (adminActions), newest first, all of them or one actor's.
    {
      name: 'audit_event_back_office_idx',
      expression: `create index "audit_event_back_office_idx" on "audit_event" ("occurred_at", "id") where actor_role in ('SUPPORT', 'FINANCE', 'ADMIN')`,
    },
    {
      name: 'audit_event_back_office_actor_idx',
      expression: `create index "audit_event_back_office_actor_idx" on "audit_event" ("actor_id", "occurred_at", "id") where actor_role in ('SUPPORT', 'FINANCE', 'ADMIN')`,
    },
  ],
});

export type AuditEvent = InstanceType<typeof AuditEventSchema.class>;
