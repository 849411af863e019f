import { toDate, type Sql } from '../db/index.js';

export interface AuditEntryView {
  readonly id: string;
  readonly occurredAt: Date;
  readonly actorId: string;
  readonly actorRole: string;
  readonly action: string;
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
}

/** One subject's audit trail, oldest first, `limit` entries at most (indexed on subject type, id and time). */
export async function auditTrail(
  sql: Sql,
  subjectType: string,
  subjectId: string,
  limit = 1000,
): Promise<AuditEntryView[]> {
  const rows = await sql.rows<{
    id: string;
    occurred_at: Date;
    actor_id: string;
    actor_role: string;
    action: string;
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
  }>(
    `select id, occurred_at, actor_id, actor_role, action, before, after from audit_event
      where subject_type = $1 and subject_id = $2 order by occurred_at, id limit $3`,
    [subjectType, subjectId, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    occurredAt: toDate(r.occurred_at),
    actorId: r.actor_id,
    actorRole: r.actor_role,
    action: r.action,
    before: r.before,
    after: r.after,
  }));
}
