import type { Actor } from '../audit/index.js';
import { inTransaction, newId, sqlOn, sqlOnPool, toBigint, type Sql } from '../db/index.js';
import { compareMoney, formatMoney, sumMoney, type Money } from '../money/index.js';
import { storeNotification, type NotificationDraft } from '../notifications/index.js';
import { CaseError } from './cases.errors.js';
import type { DecideInput, DecisionKind, DecisionResult, LiableKind } from './cases.model.js';
import type { CasesDeps } from './cases.deps.js';
import { toCaseView, type CaseRow } from './case.row.js';
import { assertMove, DECIDABLE, type CaseStatus } from './case.state.js';
import {
  changeCase,
  enqueue,
  FOLLOW_DECISION,
  lastDecision,
  lockCase,
  PROPOSAL_TIMEOUT,
} from './case.store.js';
import type { CaseExecution } from './case.execute.js';
import type { RiskAssessment } from './risk.port.js';
import { toDecisionView, type DecisionRow } from './decision.row.js';

/** What an automatic decision records: the rule (id and version) and the figures it used. */
export interface AutoDecision {
  readonly ruleId: string;
  readonly version: number;
  readonly figures: Record<string, unknown>;
}

/** A decision taken: the answer, and the rows it was built from (for executing it after commit). */
export interface Taken {
  readonly result: DecisionResult;
  readonly decision: DecisionRow;
  readonly row: CaseRow;
  /** The customer's risk assessment of the report the decision was taken on, moments before. */
  readonly risk?: RiskAssessment;
}

/**
 * What a decision writes, worked out before anything is written: the decision row (its time aside),
 * the case's change and its audit, the jobs that follow it and the customer's notification.
 */
export interface DecisionPlan {
  readonly decision: Omit<DecisionRow, 'created_at'>;
  readonly change: { readonly status: CaseStatus; readonly set: Readonly<Record<string, unknown>> };
  readonly audit: { readonly actor: Actor; readonly action: string; readonly after: Record<string, unknown> };
  /** Jobs to queue with the decision, each after a whole number of seconds. */
  readonly jobs: readonly { readonly queue: string; readonly data: object; readonly delaySeconds: number }[];
  readonly notice: NotificationDraft;
}

/** A case row before or after it is inserted: what planning a decision reads of it. */
type DecidedCase = Omit<CaseRow, 'created_at' | 'updated_at'>;

const INSERT_DECISION = `insert into case_decision (id, case_id, seq, kind, amount_minor, currency, liable_kind,
    liable_id, note, decided_by, decided_role, auto, rule_id, rule_version, figures, status, respond_by)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) returning *`;

const REFUNDS: readonly DecisionKind[] = ['FULL_REFUND', 'PARTIAL_REFUND'];
const PROPOSALS: readonly DecisionKind[] = ['COUPON', 'REDELIVERY'];

export const isRefund = (kind: string): boolean => REFUNDS.includes(kind as DecisionKind);

function nextStatus(kind: DecisionKind): { decision: DecisionRow['status']; case: CaseStatus } {
  if (REFUNDS.includes(kind)) return { decision: 'EXECUTING', case: 'EXECUTING' };
  if (PROPOSALS.includes(kind)) return { decision: 'PROPOSED', case: 'AWAITING_CUSTOMER' };
  return { decision: 'DONE', case: 'RESOLVED' };
}

function sameDecision(row: DecisionRow, input: DecideInput, amount: Money | null): boolean {
  return (
    row.kind === input.kind &&
    row.liable_kind === input.liable &&
    (row.amount_minor === null ? null : toBigint(row.amount_minor)) === (amount?.amountMinor ?? null)
  );
}

function liableIdOf(row: Pick<CaseRow, 'merchant_id' | 'rider_id'>, liable: LiableKind): string | null {
  if (liable === 'PLATFORM') return null;
  const id = liable === 'MERCHANT' ? row.merchant_id : row.rider_id;
  if (id === null) throw new CaseError('INVALID_CASE_INPUT', 'this order has no rider to hold liable');
  return id;
}

/**
 * Decisions on cases: taken in one transaction with the case locked (state checked, decision numbered,
 * audit, customer notification, follow-up job), then, for refunds, executed through the refund command
 * with a key derived from the case and the decision number.
 */
export class CaseDecisions {
  constructor(
    private readonly deps: CasesDeps,
    private readonly execution: CaseExecution,
  ) {}

  async decide(input: DecideInput, actor: Actor, auto?: AutoDecision): Promise<DecisionResult> {
    const note = input.note.trim().slice(0, 1000);
    const amount = await this.amountOf(input);
    const taken = await inTransaction(this.deps.orm, async (em): Promise<Taken> => {
      const sql = sqlOn(em);
      const row = await lockCase(sql, input.caseId);
      const last = await lastDecision(sql, row);
      if (!DECIDABLE.includes(row.status as CaseStatus)) {
        // The same decision submitted again (double click, retry): answer with the first one.
        if (last && sameDecision(last, input, amount) && last.status !== 'DECLINED') {
          const result = { case: toCaseView(row), decision: toDecisionView(last), replayed: true };
          return { result, decision: last, row };
        }
        throw new CaseError('INVALID_CASE_STATE', `case ${row.id} is ${row.status}: no decision now`, {
          status: row.status,
        });
      }
      if (last?.status === 'EXECUTING') {
        throw new CaseError(
          'DECISION_CONFLICT',
          'the previous refund is not final: settle or close it first',
        );
      }
      return this.record(sql, row, input, amount, note, actor, auto);
    });
    await this.executeIfRefund(taken);
    return taken.result;
  }

  /**
   * A rule's decision on a case being opened (`row` is not inserted yet: nothing to lock, no earlier
   * decision), with the amount the report was validated with: what the insert writes with the case
   * (`case_report_batch`). The caller runs `executeIfRefund` with `taken` of the committed row.
   */
  planOpened(
    row: DecidedCase,
    input: DecideInput,
    amount: Money | null,
    actor: Actor,
    auto: AutoDecision,
  ): DecisionPlan {
    const plan = this.plan(row, input, amount, input.note.trim().slice(0, 1000), actor, auto);
    assertMove(row.id, row.status, plan.change.status);
    return plan;
  }

  /** The decision of `planOpened` as taken, once the case is inserted (`row`: the committed row). */
  taken(row: CaseRow, plan: DecisionPlan, risk?: RiskAssessment): Taken {
    const decision: DecisionRow = { ...plan.decision, created_at: row.created_at };
    return {
      result: { case: toCaseView(row), decision: toDecisionView(decision), replayed: false },
      decision,
      row,
      ...(risk ? { risk } : {}),
    };
  }

  /** Issues the refund of a committed refund decision (the follow-up job does it too if this fails). */
  async executeIfRefund(taken: Taken): Promise<void> {
    const { decision } = taken.result;
    if (isRefund(decision.kind) && decision.refundId === null) {
      await this.execution.executeRefund(decision.id, taken);
    }
  }

  private plan(
    row: DecidedCase,
    input: DecideInput,
    amount: Money | null,
    note: string,
    actor: Actor,
    auto: AutoDecision | undefined,
  ): DecisionPlan {
    const seq = row.decision_count + 1;
    const status = nextStatus(input.kind);
    const respondBy =
      status.decision === 'PROPOSED' ? new Date(Date.now() + this.deps.settings.proposalTimeoutMs) : null;
    const decision: DecisionPlan['decision'] = {
      id: newId('cd'),
      case_id: row.id,
      seq,
      kind: input.kind,
      amount_minor: amount?.amountMinor.toString() ?? null,
      currency: row.currency,
      liable_kind: input.liable,
      liable_id: liableIdOf(row, input.liable),
      note,
      decided_by: actor.id,
      decided_role: actor.role,
      auto: auto !== undefined,
      rule_id: auto?.ruleId ?? null,
      rule_version: auto?.version ?? null,
      figures: auto ? auto.figures : null,
      status: status.decision,
      respond_by: respondBy?.toISOString() ?? null,
      response: null,
      responded_at: null,
      refund_id: null,
      coupon_code: null,
      ledger_entry_id: null,
      executed_at: null,
    };
    const resolved = status.case === 'RESOLVED';
    const jobs: DecisionPlan['jobs'][number][] = [];
    const after = (ms: number) => Math.max(0, Math.ceil(ms / 1000)); // whole seconds, as job_enqueue takes
    if (isRefund(input.kind)) {
      const delaySeconds = after(this.deps.settings.refundFollowMs);
      jobs.push({ queue: FOLLOW_DECISION, data: { decisionId: decision.id }, delaySeconds });
    }
    if (respondBy) {
      const delaySeconds = after(this.deps.settings.proposalTimeoutMs);
      jobs.push({ queue: PROPOSAL_TIMEOUT, data: { decisionId: decision.id }, delaySeconds });
    }
    return {
      decision,
      change: {
        status: status.case,
        set: {
          decision_count: seq,
          first_reviewed_at: row.first_reviewed_at ?? new Date(),
          auto_decided: auto !== undefined,
          liable_kind: input.liable,
          liable_id: decision.liable_id,
          ...(resolved ? { outcome: input.kind, resolved_at: new Date() } : {}),
        },
      },
      audit: {
        actor,
        action: 'case.decided',
        after: {
          seq,
          kind: input.kind,
          amountMinor: decision.amount_minor,
          liable: input.liable,
          note,
          auto,
        },
      },
      jobs,
      notice: this.deps.notifications.draft({
        recipientKind: 'CUSTOMER',
        recipientId: row.customer_id,
        kind: respondBy ? 'case.proposal' : 'case.decided',
        title: respondBy ? 'We have a proposal for your case' : 'Your case was decided',
        body: describe(input.kind, amount),
        dedupeKey: `case:${row.id}:decision:${seq}`,
        data: { caseId: row.id, decision: input.kind, amountMinor: decision.amount_minor },
      }),
    };
  }

  /** A reviewer's (or a rule's) decision on a locked case, written in the caller's transaction. */
  private async record(
    sql: Sql,
    row: CaseRow,
    input: DecideInput,
    amount: Money | null,
    note: string,
    actor: Actor,
    auto: AutoDecision | undefined,
  ): Promise<Taken> {
    const plan = this.plan(row, input, amount, note, actor, auto);
    const d = plan.decision;
    const [decision] = await sql.prepared<DecisionRow>(INSERT_DECISION, [
      d.id,
      d.case_id,
      d.seq,
      d.kind,
      d.amount_minor,
      d.currency,
      d.liable_kind,
      d.liable_id,
      d.note,
      d.decided_by,
      d.decided_role,
      d.auto,
      d.rule_id,
      d.rule_version,
      d.figures === null ? null : JSON.stringify(d.figures),
      d.status,
      d.respond_by,
    ]);
    const updated = await changeCase(sql, row, plan.change, plan.audit);
    for (const job of plan.jobs) await enqueue(sql, job.queue, job.data, job.delaySeconds);
    await storeNotification(sql, plan.notice);
    return {
      result: { case: toCaseView(updated), decision: toDecisionView(decision!), replayed: false },
      decision: decision!,
      row: updated,
    };
  }

  /** The amount a decision moves: what is still refundable for FULL_REFUND, checked caps otherwise. */
  private async amountOf(input: DecideInput): Promise<Money | null> {
    const [row] = await sqlOnPool(this.deps.orm).prepared<CaseRow>(
      `select * from after_sales_case where id = $1`,
      [input.caseId],
    );
    if (!row) throw new CaseError('CASE_NOT_FOUND', `case ${input.caseId} is unknown`);
    const view = toCaseView(row);
    const given = input.amount ?? null;
    const needsAmount = input.kind === 'PARTIAL_REFUND' || input.kind === 'COUPON';
    if (needsAmount !== (given !== null)) {
      throw new CaseError(
        'INVALID_CASE_INPUT',
        needsAmount ? `${input.kind} needs an amount` : `${input.kind} takes no amount`,
        {
          field: 'amount',
        },
      );
    }
    if (given && given.currency !== view.orderTotal.currency) {
      throw new CaseError('CURRENCY_MISMATCH', `the order is in ${view.orderTotal.currency}`);
    }
    if (input.kind === 'COUPON') return capped(given!, view.orderTotal);
    if (!isRefund(input.kind)) return null;
    const payments = await this.deps.payments.paymentsOfOrder(view.orderId);
    const refundable = sumMoney(
      payments.map((p) => p.refundable),
      view.orderTotal.currency,
    );
    if (input.kind === 'FULL_REFUND') {
      if (refundable.amountMinor === 0n)
        throw new CaseError('ORDER_FULLY_REFUNDED', 'nothing is left to refund');
      return refundable;
    }
    return capped(given!, refundable);
  }
}

function capped(amount: Money, cap: Money): Money {
  if (compareMoney(amount, cap) > 0) {
    throw new CaseError('AMOUNT_EXCEEDS_REFUNDABLE', `at most ${formatMoney(cap)} ${cap.currency}`, {
      max: formatMoney(cap),
      currency: cap.currency,
    });
  }
  return amount;
}

export function describe(kind: DecisionKind, amount: Money | null): string {
  const sum = amount ? ` of ${formatMoney(amount)} ${amount.currency}` : '';
  switch (kind) {
    case 'FULL_REFUND':
    case 'PARTIAL_REFUND':
      return `A refund${sum} is on its way to your original payment method.`;
    case 'COUPON':
      return `We offer you a coupon${sum}. Accept or decline it in the app.`;
    case 'REDELIVERY':
      return 'We offer to deliver your order again. Accept or decline it in the app.';
    case 'REJECT':
      return 'After review, we could not grant a remedy for this case.';
  }
}
