import { sqlOnPool, type Orm } from '../db/index.js';
import { toAuditEntryView, type AuditEntryRow, type AuditEntryView } from './audit.queries.js';

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

export interface AdminActionView extends AuditEntryView {
  readonly subjectType: string;
  readonly subjectId: string;
  readonly requestId: string | null;
  /** Where the next page starts: occurred_at to the microsecond (a Date keeps milliseconds) and id. */
  readonly position: AdminActionCursor;
}

/** Keyset position: the last row of the previous page. */
export interface AdminActionCursor {
  readonly occurredAt: string;
  readonly id: string;
}

interface Row extends AuditEntryRow {
  occurred_key: string;
  subject_type: string;
  subject_id: string;
  request_id: string | null;
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
    const params: unknown[] = [];
    // Written out (constants), as in the partial indexes' predicate, so the planner can use them.
    const where = [`actor_role in (${BACK_OFFICE_ROLES.map((role) => `'${role}'`).join(', ')})`];
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
      ...toAuditEntryView(r),
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      requestId: r.request_id,
      position: { occurredAt: r.occurred_key, id: r.id },
    }));
  }
}
