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

/** The columns every view of an audit event reads. */
export interface AuditEntryRow {
  id: string;
  occurred_at: Date;
  actor_id: string;
  actor_role: string;
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export function toAuditEntryView(row: AuditEntryRow): AuditEntryView {
  return {
    id: row.id,
    occurredAt: toDate(row.occurred_at),
    actorId: row.actor_id,
    actorRole: row.actor_role,
    action: row.action,
    before: row.before,
    after: row.after,
  };
}

/** One subject's audit trail, oldest first, `limit` entries at most (indexed on subject type, id and time). */
export async function auditTrail(
  sql: Sql,
  subjectType: string,
  subjectId: string,
  limit = 1000,
): Promise<AuditEntryView[]> {
  const rows = await sql.rows<AuditEntryRow>(
    `select id, occurred_at, actor_id, actor_role, action, before, after from audit_event
      where subject_type = $1 and subject_id = $2 order by occurred_at, id limit $3`,
    [subjectType, subjectId, limit],
  );
  return rows.map(toAuditEntryView);
}
