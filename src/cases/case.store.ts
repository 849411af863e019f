import { recordAudit, type Actor } from '../audit/index.js';
import type { Sql } from '../db/index.js';
import { storeNotification, type NotificationsService, type RecipientKind } from '../notifications/index.js';
import { CaseError } from './cases.errors.js';
import type { CaseRow } from './case.row.js';
import { assertMove, type CaseStatus } from './case.state.js';
import type { DecisionRow } from './decision.row.js';

/** Queues of the cases module's jobs. */
export const FOLLOW_DECISION = 'cases.follow-decision';
export const PROPOSAL_TIMEOUT = 'cases.proposal-timeout';

/** The case row, locked for the caller's transaction; CASE_NOT_FOUND when there is none. */
export async function lockCase(sql: Sql, caseId: string): Promise<CaseRow> {
  const [row] = await sql.prepared<CaseRow>(`select * from after_sales_case where id = $1 for update`, [
    caseId,
  ]);
  if (!row) throw new CaseError('CASE_NOT_FOUND', `case ${caseId} is unknown`);
  return row;
}

export async function decisionBySeq(sql: Sql, caseId: string, seq: number): Promise<DecisionRow | undefined> {
  const [row] = await sql.prepared<DecisionRow>(
    `select * from case_decision where case_id = $1 and seq = $2`,
    [caseId, seq],
  );
  return row;
}

export async function decisionById(sql: Sql, decisionId: string): Promise<DecisionRow | undefined> {
  const [row] = await sql.prepared<DecisionRow>(`select * from case_decision where id = $1`, [decisionId]);
  return row;
}

/** The latest decision of a locked case, if any. */
export async function lastDecision(sql: Sql, row: CaseRow): Promise<DecisionRow | undefined> {
  return row.decision_count > 0 ? decisionBySeq(sql, row.id, row.decision_count) : undefined;
}

export interface CaseChange {
  readonly status?: CaseStatus;
  readonly set?: Readonly<Record<string, unknown>>;
}

const SETTABLE = new Set([
  'assignee_id',
  'assigned_at',
  'first_reviewed_at',
  'decision_count',
  'auto_decided',
  'outcome',
  'liable_kind',
  'liable_id',
  'resolved_at',
  'rating',
  'rating_comment',
  'rated_at',
  'review_rule',
  'review_rule_version',
  'review_figures',
  'evidence',
  'evidence_count',
]);

/** Updates a locked case (status checked against the state table first) and audits the change. */
export async function changeCase(
  sql: Sql,
  row: CaseRow,
  change: CaseChange,
  audit: { readonly actor: Actor; readonly action: string; readonly after?: Record<string, unknown> },
): Promise<CaseRow> {
  if (change.status && change.status !== row.status) assertMove(row.id, row.status, change.status);
  const entries = Object.entries(change.set ?? {});
  for (const [column] of entries) {
    if (!SETTABLE.has(column)) throw new Error(`after_sales_case.${column} is not settable`);
  }
  const assignments = [
    'status = $2',
    'updated_at = now()',
    ...entries.map(([column], i) => `${column} = $${i + 3}`),
  ];
  // Prepared: the texts are as many as the code's distinct column sets, each planned once per connection.
  const [updated] = await sql.prepared<CaseRow>(
    `update after_sales_case set ${assignments.join(', ')} where id = $1 returning *`,
    [
      row.id,
      change.status ?? row.status,
      ...entries.map(([, value]) =>
        value !== null && typeof value === 'object' && !(value instanceof Date)
          ? JSON.stringify(value)
          : value,
      ),
    ],
  );
  await recordAudit(sql, {
    actor: audit.actor,
    action: audit.action,
    subjectType: 'case',
    subjectId: row.id,
    before: { status: row.status },
    after: { status: updated!.status, ...audit.after },
  });
  return updated!;
}

/** Queues a job in the caller's transaction (`job_enqueue`, the jobs module's outbox function). */
export async function enqueue(sql: Sql, queue: string, data: object, delaySeconds = 0): Promise<void> {
  await sql.prepared(`select job_enqueue($1::text, $2::jsonb, $3::int)`, [
    queue,
    JSON.stringify(data),
    Math.max(0, Math.ceil(delaySeconds)),
  ]);
}

/** Tells someone about a case event, once per dedupe key, in the caller's transaction. */
export async function notify(
  sql: Sql,
  notifications: NotificationsService,
  to: { readonly kind: RecipientKind; readonly id: string },
  message: {
    readonly kind: string;
    readonly title: string;
    readonly body: string;
    readonly dedupeKey: string;
    readonly data: Record<string, string | number | boolean | null>;
  },
): Promise<void> {
  await storeNotification(
    sql,
    notifications.draft({ recipientKind: to.kind, recipientId: to.id, ...message }),
  );
}
