import { toDate, type Orm, sqlOnPool } from '../db/index.js';

/**
 * Roles whose actions are the back office's: manual settlements and closures of refunds, case
 * decisions and reviews, discrepancy resolutions, rule changes, exception handling. Customers,
 * merchants, riders, integrations (SERVICE) and the system's own steps are not admin actions.
 */
export const BACK_OFFICE_ROLES = ['SUPPORT', 'FINANCE', 'ADMIN'] as const;

export interface AdminActionFilter {
  readonly actorId?: string | undefined;
  readonly action?: string | undefined;
  /** Inclusive. */
  readonly from?: Date | undefined;
  /** Exclusive. */
  readonly to?: Date | undefined;
}

export interface AdminActionView {
  readonly id: string;
  readonly occurredAt: Date;
  readonly actorId: string;
  readonly actorRole: string;
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly requestId: string | null;
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
  /** Where the next page starts: occurred_at to the microsecond (a Date keeps milliseconds) and id. */
  readonly position: AdminActionCursor;
}

/** Keyset position: the last row of the previous page. */
export interface AdminActionCursor {
  readonly occurredAt: string;
  readonly id: string;
}

interface Row {
  id: string;
  occurred_at: Date;
  occurred_key: string;
  actor_id: string;
  actor_role: string;
  action: string;
  subject_type: string;
  subject_id: string;
  request_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** What the back office did, from the one audit log every module appends to (read-only here). */
export class AdminActions {
  constructor(private readonly orm: Orm) {}

  /** Newest first, `limit` rows at most (the partial index on back-office rows serves it). */
  async list(
    filter: AdminActionFilter,
    limit: number,
    after: AdminActionCursor | null,
  ): Promise<AdminActionView[]> {
    const params: unknown[] = [BACK_OFFICE_ROLES];
    const where = ['actor_role = any($1::varchar[])'];
    const add = (clause: string, ...values: unknown[]): void => {
      let text = clause;
      for (const value of values) {
        params.push(value);
        text = text.replace('?', `$${params.length}`);
      }
      where.push(text);
    };
    if (filter.actorId !== undefined) add('actor_id = ?', filter.actorId);
    if (filter.action !== undefined) add('action = ?', filter.action);
    if (filter.from !== undefined) add('occurred_at >= ?', filter.from);
    if (filter.to !== undefined) add('occurred_at < ?', filter.to);
    if (after !== null) add('(occurred_at, id) < (?::timestamptz, ?)', after.occurredAt, after.id);
    params.push(limit);
    const rows = await sqlOnPool(this.orm).rows<Row>(
      `select id, occurred_at, to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as occurred_key,
              actor_id, actor_role, action, subject_type, subject_id, request_id, before, after
         from audit_event where ${where.join(' and ')}
        order by occurred_at desc, id desc limit $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      occurredAt: toDate(r.occurred_at),
      actorId: r.actor_id,
      actorRole: r.actor_role,
      action: r.action,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      requestId: r.request_id,
      before: r.before,
      after: r.after,
      position: { occurredAt: r.occurred_key, id: r.id },
    }));
  }
}
