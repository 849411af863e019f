import type { Actor } from '../audit/index.js';
import { inTransaction, sqlOn, sqlOnPool } from '../db/index.js';
import { CaseError } from './cases.errors.js';
import type { CasesDeps } from './cases.deps.js';
import type { CaseView } from './cases.model.js';
import { toCaseView, type CaseRow } from './case.row.js';
import { changeCase, lockCase, notify } from './case.store.js';
import { validEvidence } from './case.validation.js';

export interface QueueFilter {
  readonly statuses?: readonly string[] | undefined;
  readonly type?: string | undefined;
  readonly severity?: string | undefined;
  /** An agent's id; '' for unassigned cases. */
  readonly assigneeId?: string | undefined;
  readonly merchantId?: string | undefined;
  readonly createdBefore?: Date | undefined;
  readonly createdAfter?: Date | undefined;
}

export type QueueSort = 'OLDEST' | 'NEWEST';

export const OPEN_STATUSES = [
  'IN_REVIEW',
  'AWAITING_EVIDENCE',
  'AWAITING_CUSTOMER',
  'EXECUTING',
  'MANUAL_FOLLOW_UP',
];

export interface SimilarCases {
  readonly customer: readonly CaseView[];
  readonly merchant: readonly CaseView[];
  readonly rider: readonly CaseView[];
}

function where(filter: QueueFilter, params: unknown[]): string {
  const add = (clause: string, value: unknown) => {
    params.push(value);
    return clause.replace('?', `$${params.length}`);
  };
  const statuses = filter.statuses ?? OPEN_STATUSES;
  // Every open status is said as the open-queue indexes' own condition: the planner then picks them
  // and estimates the rows right (both conditions together read as far fewer rows than there are).
  const allOpen = OPEN_STATUSES.every((s) => statuses.includes(s)) && !statuses.includes('RESOLVED');
  const clauses = [allOpen ? `status <> 'RESOLVED'` : add('status = any(?::varchar[])', statuses)];
  if (filter.type) clauses.push(add('type = ?', filter.type));
  if (filter.severity) clauses.push(add('severity = ?', filter.severity));
  if (filter.assigneeId === '') clauses.push('assignee_id is null');
  else if (filter.assigneeId) clauses.push(add('assignee_id = ?', filter.assigneeId));
  if (filter.merchantId) clauses.push(add('merchant_id = ?', filter.merchantId));
  if (filter.createdBefore) clauses.push(add('created_at < ?', filter.createdBefore));
  if (filter.createdAfter) clauses.push(add('created_at >= ?', filter.createdAfter));
  return clauses.join(' and ');
}

/**
 * A page of the queue: the filter's open cases in created order, after the cursor. Unassigned open
 * cases have their own partial index (what agents take work from), other filters read the open-case
 * indexes; test/cases/bulk-history.test.ts checks the plans.
 */
export function queueStatement(
  filter: QueueFilter,
  sort: QueueSort,
  limit: number,
  after: { createdAt: string; id: string } | null,
): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const conditions = [where(filter, params)];
  const op = sort === 'OLDEST' ? '>' : '<';
  if (after) {
    params.push(after.createdAt, after.id);
    conditions.push(`(created_at, id) ${op} ($${params.length - 1}::timestamptz, $${params.length})`);
  }
  params.push(limit);
  const direction = sort === 'OLDEST' ? 'asc' : 'desc';
  return {
    text: `select * from after_sales_case where ${conditions.join(' and ')}
        order by created_at ${direction}, id ${direction} limit $${params.length}`,
    params,
  };
}

/** The support queue: filters, sorting, counts, assignment, evidence requests, similar cases. */
export class CaseSupport {
  constructor(private readonly deps: CasesDeps) {}

  async queue(
    filter: QueueFilter,
    sort: QueueSort,
    limit: number,
    after: { createdAt: string; id: string } | null,
  ): Promise<CaseView[]> {
    const statement = queueStatement(filter, sort, limit, after);
    const rows = await sqlOnPool(this.deps.orm).rows<CaseRow>(statement.text, statement.params);
    return rows.map(toCaseView);
  }

  /** Cases matching the filter, by status (the filter's own status list aside). */
  async counts(filter: QueueFilter): Promise<{ status: string; count: number }[]> {
    const params: unknown[] = [];
    return sqlOnPool(this.deps.orm).rows<{ status: string; count: number }>(
      `select status, count(*)::int as count from after_sales_case where ${where(filter, params)}
        group by status order by status`,
      params,
    );
  }

  /** Assigns (or, with null, releases) a case; `take` is assigning it to oneself. */
  async assign(caseId: string, assigneeId: string | null, actor: Actor): Promise<CaseView> {
    return inTransaction(this.deps.orm, async (em) => {
      const sql = sqlOn(em);
      const row = await lockCase(sql, caseId);
      if (row.status === 'RESOLVED') {
        throw new CaseError('INVALID_CASE_STATE', `case ${caseId} is resolved`, { status: row.status });
      }
      const updated = await changeCase(
        sql,
        row,
        { set: { assignee_id: assigneeId, assigned_at: assigneeId ? new Date() : null } },
        { actor, action: 'case.assigned', after: { assigneeId, previous: row.assignee_id } },
      );
      return toCaseView(updated);
    });
  }

  /** The case waits for the customer's evidence; the customer is told what is needed. */
  async requestEvidence(caseId: string, note: string, actor: Actor): Promise<CaseView> {
    const text = note.trim().slice(0, 500);
    if (text.length === 0)
      throw new CaseError('INVALID_CASE_INPUT', 'say what evidence is needed', { field: 'note' });
    return inTransaction(this.deps.orm, async (em) => {
      const sql = sqlOn(em);
      const row = await lockCase(sql, caseId);
      const updated = await changeCase(
        sql,
        row,
        { status: 'AWAITING_EVIDENCE', set: { first_reviewed_at: row.first_reviewed_at ?? new Date() } },
        { actor, action: 'case.evidence_requested', after: { note: text } },
      );
      await notify(
        sql,
        this.deps.notifications,
        { kind: 'CUSTOMER', id: row.customer_id },
        {
          kind: 'case.evidence_requested',
          title: 'We need more information about your case',
          body: text,
          dedupeKey: `case:${row.id}:evidence:${Date.now()}`,
          data: { caseId: row.id },
        },
      );
      return toCaseView(updated);
    });
  }

  /** The customer adds evidence to their case (bounded as at report time); a waiting case returns to review. */
  async supplyEvidence(caseId: string, evidence: readonly string[], actor: Actor): Promise<CaseView> {
    const added = validEvidence(evidence);
    if (added.length === 0) throw new CaseError('INVALID_EVIDENCE', 'at least one evidence URL', { min: 1 });
    return inTransaction(this.deps.orm, async (em) => {
      const sql = sqlOn(em);
      const row = await lockCase(sql, caseId);
      if (row.customer_id !== actor.id) throw new CaseError('CASE_NOT_FOUND', `case ${caseId} is unknown`);
      if (row.status === 'RESOLVED') {
        throw new CaseError('INVALID_CASE_STATE', `case ${caseId} is resolved`, { status: row.status });
      }
      const all = validEvidence([...row.evidence, ...added]);
      const updated = await changeCase(
        sql,
        row,
        {
          status: row.status === 'AWAITING_EVIDENCE' ? 'IN_REVIEW' : (row.status as 'IN_REVIEW'),
          set: { evidence: all, evidence_count: all.length },
        },
        { actor, action: 'case.evidence_supplied', after: { added } },
      );
      return toCaseView(updated);
    });
  }

  /** Recent cases of the same type for the same customer, merchant and rider, with their outcomes. */
  async similar(view: CaseView, limit = 5): Promise<SimilarCases> {
    const sql = sqlOnPool(this.deps.orm);
    const recent = (column: 'customer_id' | 'merchant_id' | 'rider_id', value: string | null) =>
      value === null
        ? Promise.resolve([] as CaseRow[])
        : sql.rows<CaseRow>(
            `select * from after_sales_case where ${column} = $1 and type = $2 and id <> $3
              order by created_at desc limit $4`,
            [value, view.type, view.id, limit],
          );
    const [customer, merchant, rider] = await Promise.all([
      recent('customer_id', view.customerId),
      recent('merchant_id', view.merchantId),
      recent('rider_id', view.riderId),
    ]);
    return {
      customer: customer.map(toCaseView),
      merchant: merchant.map(toCaseView),
      rider: rider.map(toCaseView),
    };
  }
}
