import { newId, type Sql } from '../db/index.js';

/** Who did something: a signed-in caller, or the system itself (worker, provider callback). */
export interface Actor {
  readonly id: string;
  readonly role: string;
  readonly requestId?: string | undefined;
}

export const SYSTEM_WORKER: Actor = { id: 'system:worker', role: 'SYSTEM' };

export interface AuditRecord {
  readonly actor: Actor;
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly before?: Record<string, unknown> | null;
  readonly after?: Record<string, unknown> | null;
}

/** Appends to the audit log in the caller's transaction (the log itself refuses updates and deletes). */
export async function recordAudit(sql: Sql, record: AuditRecord): Promise<void> {
  // One text for every record: prepared once per connection (it is in most write transactions).
  await sql.prepared(
    `insert into audit_event (id, actor_id, actor_role, action, subject_type, subject_id, request_id, before, after)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      newId('ae'),
      record.actor.id,
      record.actor.role,
      record.action,
      record.subjectType,
      record.subjectId,
      record.actor.requestId ?? null,
      record.before === undefined || record.before === null ? null : JSON.stringify(jsonSafe(record.before)),
      record.after === undefined || record.after === null ? null : JSON.stringify(jsonSafe(record.after)),
    ],
  );
}

/** bigint → string, Date → ISO, so audit payloads serialise. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}
