import { jsonSafe, type Actor, type AuditRecord } from '../audit/index.js';
import { Batcher, newId, SAME_TURN_READS, sqlOnPool, type Orm } from '../db/index.js';
import { TRACE_FIELD, traceCarrier } from '../jobs/index.js';
import { compareMoney, formatMoney, sumMoney, type Money } from '../money/index.js';
import {
  ordersWithPaymentsPart,
  type OrderView,
  type OrderWithPayments,
  type PaymentView,
} from '../payments/index.js';
import type { RefundService } from '../refunds/index.js';
import { CaseError } from './cases.errors.js';
import type { CaseChannel, ReportCaseInput } from './cases.model.js';
import type { CaseRow } from './case.row.js';
import { claimCountsPart } from './case.figures.js';
import type { DecisionPlan } from './case.decide.js';
import { autoReview, claimDeadline, classify, type ReviewOutcome, type RuleBook } from './case.rules.js';
import { assertRemedyAmount, validDescription, validEvidence } from './case.validation.js';
import type { CaseRiskFigures, RiskAssessment, RiskPort } from './risk.port.js';

/** What a report reads before it is checked: its order, and its customer's claims in [`since`, `until`). */
export interface ReportRead {
  readonly orderId: string;
  readonly customerId: string;
  readonly since: Date;
  readonly until: Date;
}

/** What was read for a report: its order with payments, the claim count, and risk's assessment to ask. */
export interface ReportFacts {
  readonly found: OrderWithPayments | null;
  readonly claims30d: number;
  /** The customer's assessment for this report's case, from the figures read (flags that fire raised now). */
  assess(subjectId: string): Promise<RiskAssessment>;
}

/**
 * The reports that arrive together read in one statement (sent at the end of the event loop's turn,
 * several groups in flight, as the refund command's pre-reads): each owner's part of it through its
 * public surface, the payments module's orders with their payments (`ordersWithPaymentsPart`), the
 * claim counts (`claimCountsPart`) and risk's customer figures (`caseCustomerFigures`). Risk assesses
 * only the reports that pass their checks, together, when they ask.
 */
export class ReportReads {
  private readonly reads = new Batcher<ReportRead, ReportFacts>(
    (items) => this.readGroup(items),
    SAME_TURN_READS,
  );

  constructor(
    private readonly orm: Orm,
    private readonly risk: RiskPort,
  ) {}

  read(query: ReportRead): Promise<ReportFacts> {
    return this.reads.submit(query);
  }

  private async readGroup(items: readonly ReportRead[]): Promise<ReportFacts[]> {
    const figures = this.risk.caseCustomerFigures
      ? await this.risk.caseCustomerFigures([...new Set(items.map((item) => item.customerId))])
      : null;
    const orders = ordersWithPaymentsPart(items.map((item) => item.orderId));
    const claims = claimCountsPart(
      items.map((i) => ({ customerId: i.customerId, from: i.since, to: i.until })),
    );
    const riskAt = 1 + orders.params.length + claims.params.length;
    const [row] = await sqlOnPool(this.orm).prepared<{
      orders: unknown;
      claims: unknown;
      risk: object[] | null;
    }>(
      `select ${orders.sql(1)} as orders, ${claims.sql(1 + orders.params.length)} as claims, ` +
        (figures ? `(select coalesce(json_agg(a), '[]') from ${figures.call(riskAt)} as a)` : 'null::json') +
        ' as risk',
      [...orders.params, ...claims.params, ...(figures?.params ?? [])],
    );
    const found = orders.read(row!.orders);
    const counts = claims.read(row!.claims);
    const assess = figures
      ? assessTogether(figures, row!.risk ?? [])
      : (customerId: string, subjectId: string) =>
          this.risk.assessCustomer({ customerId, trigger: 'CASE', subjectId });
    return items.map((item, i) => ({
      found: found[i] ?? null,
      claims30d: counts[i] ?? 0,
      assess: (subjectId) => assess(item.customerId, subjectId),
    }));
  }
}

/**
 * A group's assessments from the figures it read: the reports that passed their checks ask in the turn
 * their reads came back, so they are assessed in one call (one raise of the flags that fire).
 */
function assessTogether(
  figures: CaseRiskFigures,
  rows: readonly object[],
): (customerId: string, subjectId: string) => Promise<RiskAssessment> {
  const asked = new Batcher<{ customerId: string; subjectId: string }, RiskAssessment>(
    (asking) => figures.assess(rows, asking),
    SAME_TURN_READS,
  );
  return (customerId, subjectId) => asked.submit({ customerId, subjectId });
}

/** Who a new case is for and how it arrived. */
export interface CaseOrigin {
  readonly customerId: string;
  readonly channel: CaseChannel;
  readonly actor: Actor;
}

/** What a validated report becomes: the row to insert, before review. */
export interface NewCase {
  readonly row: Omit<CaseRow, 'created_at' | 'updated_at'>;
  readonly refundable: Money;
  /** What an approved refund claim pays: what is still refundable for FULL_REFUND, else the amount. */
  readonly approvedAmount: Money | null;
  readonly risk: RiskAssessment;
  readonly review: ReviewOutcome & { readonly figures: Record<string, unknown> };
  /** The order's payment when it has exactly one: a refund decision's refund can commit with the report. */
  readonly payment: PaymentView | null;
}

const DAY_MS = 86_400_000;

/**
 * Validates a report against the order, its payments and the rules, classifies it and asks risk
 * flagging about the customer. Refusals are typed; nothing is written here.
 */
export async function prepareCase(
  /** The report's reads (`ReportReads.read`: the reports of one turn in one statement). */
  read: (query: ReportRead) => Promise<ReportFacts>,
  rules: RuleBook,
  input: ReportCaseInput,
  origin: CaseOrigin,
  now: Date,
): Promise<NewCase> {
  const description = validDescription(input.description);
  const evidence = validEvidence(input.evidence);
  assertRemedyAmount(input);
  const facts = await read({
    orderId: input.orderId,
    customerId: origin.customerId,
    since: new Date(now.getTime() - 30 * DAY_MS),
    until: now,
  });
  const found = facts.found;
  // Another customer's order reads exactly like a missing one.
  if (!found || found.order.customerId !== origin.customerId) {
    throw new CaseError('ORDER_NOT_FOUND', `order ${input.orderId} is unknown`);
  }
  const { order } = found;
  const refundable = refundableOf(order, found.payments);
  const amount = input.amount ?? null;
  if (amount) checkAmount(amount, order, refundable, input.remedy);
  const deadline = claimDeadline(rules['claim-window'], {
    type: input.type,
    now,
    orderCreatedAt: order.createdAt,
    promisedAt: order.promisedAt,
    deliveredAt: order.deliveredAt,
  });
  if (now.getTime() > deadline.getTime()) {
    throw new CaseError('CLAIM_WINDOW_EXPIRED', `${input.type} claims close ${deadline.toISOString()}`, {
      type: input.type,
      closedAt: deadline.toISOString(),
    });
  }
  const latenessSeconds = order.promisedAt
    ? Math.max(0, seconds((order.deliveredAt ?? now).getTime() - order.promisedAt.getTime()))
    : null;
  const claimDelaySeconds = order.deliveredAt
    ? Math.max(0, seconds(now.getTime() - order.deliveredAt.getTime()))
    : null;
  const claimed = input.remedy === 'FULL_REFUND' ? refundable.amountMinor : (amount?.amountMinor ?? 0n);
  const classification = rules.classification;
  const severity = classify(classification, {
    type: input.type,
    latenessSeconds,
    claimedMinor: claimed,
    evidenceCount: evidence.length,
  });
  const id = newId('cs');
  const risk = await facts.assess(id);
  const claims30d = facts.claims30d;
  const reviewRule = rules['auto-review'];
  const reviewFigures = {
    type: input.type,
    remedy: input.remedy,
    severity,
    claimedMinor: claimed,
    evidenceCount: evidence.length,
    latenessSeconds,
    claims30d,
    riskRouting: risk.routing,
  };
  const outcome = autoReview(reviewRule, reviewFigures);
  const figures = {
    ...reviewFigures,
    claimedMinor: claimed.toString(),
    approve: outcome.approve,
    reason: outcome.reason,
  };
  return {
    refundable,
    approvedAmount: input.remedy === 'FULL_REFUND' ? refundable : amount,
    risk,
    payment: found.payments.length === 1 ? found.payments[0]! : null,
    review: { ...outcome, figures },
    row: {
      id,
      order_id: order.id,
      customer_id: order.customerId,
      merchant_id: order.merchantId,
      rider_id: order.riderId,
      type: input.type,
      channel: origin.channel,
      reporter_id: origin.actor.id,
      reporter_role: origin.actor.role,
      description,
      evidence,
      evidence_count: evidence.length,
      requested_remedy: input.remedy,
      requested_amount_minor: amount ? amount.amountMinor.toString() : null,
      currency: order.total.currency,
      order_total_minor: order.total.amountMinor.toString(),
      promised_at: order.promisedAt?.toISOString() ?? null,
      delivered_at: order.deliveredAt?.toISOString() ?? null,
      lateness_seconds: latenessSeconds,
      claim_delay_seconds: claimDelaySeconds,
      status: 'IN_REVIEW',
      severity,
      classification_rule: classification.ruleId,
      classification_rule_version: classification.version,
      review_rule: reviewRule.ruleId,
      review_rule_version: reviewRule.version,
      review_figures: figures,
      risk: { routing: risk.routing, flags: risk.flags },
      assignee_id: null,
      assigned_at: null,
      first_reviewed_at: null,
      decision_count: 0,
      auto_decided: false,
      outcome: null,
      liable_kind: null,
      liable_id: null,
      resolved_at: null,
      rating: null,
      rating_comment: null,
      rated_at: null,
    },
  };
}

const seconds = (ms: number): number => Math.min(2_000_000_000, Math.floor(ms / 1000));

function refundableOf(order: OrderView, paid: readonly PaymentView[]): Money {
  if (paid.length === 0) throw new CaseError('ORDER_NOT_PAID', `order ${order.id} has no captured payment`);
  const refundable = sumMoney(
    paid.map((p) => p.refundable),
    order.total.currency,
  );
  if (refundable.amountMinor === 0n) {
    throw new CaseError('ORDER_FULLY_REFUNDED', `order ${order.id} is already fully refunded`);
  }
  return refundable;
}

function checkAmount(amount: Money, order: OrderView, refundable: Money, remedy: string): void {
  if (amount.currency !== order.total.currency) {
    throw new CaseError('CURRENCY_MISMATCH', `the order is in ${order.total.currency}`, {
      currency: order.total.currency,
    });
  }
  // A coupon compensates up to the order's value; a refund up to what is still refundable.
  const cap = remedy === 'COUPON' ? order.total : refundable;
  if (compareMoney(amount, cap) > 0) {
    throw new CaseError('AMOUNT_EXCEEDS_REFUNDABLE', `at most ${formatMoney(cap)} ${cap.currency}`, {
      max: formatMoney(cap),
      currency: cap.currency,
    });
  }
}

/** An audit record as `case_report_batch` takes it (`audit_record_many`'s arguments, per record). */
function auditJson(record: AuditRecord): Record<string, unknown> {
  return {
    id: newId('ae'),
    actorId: record.actor.id,
    actorRole: record.actor.role,
    action: record.action,
    subjectType: record.subjectType,
    subjectId: record.subjectId,
    requestId: record.actor.requestId ?? null,
    ...(record.before ? { before: jsonSafe(record.before) } : {}),
    ...(record.after ? { after: jsonSafe(record.after) } : {}),
  };
}

/**
 * One report as `case_report_batch` takes it: the case, its audits, a rule's decision with its jobs, and
 * the decision's refund as the refund command prepared it (`EmbeddedRefund.item`).
 */
interface ReportItem {
  readonly case: Record<string, unknown>;
  readonly audits: readonly Record<string, unknown>[];
  readonly decision: object | null;
  readonly jobs: readonly { readonly queue: string; readonly data: object; readonly delaySeconds: number }[];
  readonly notices: readonly object[];
  readonly refund: object | null;
}

/** A report committed: its case, and its refund's outcome in the group commit (null without one). */
export interface OpenedCase {
  readonly row: CaseRow;
  readonly refundOutcome: string | null;
}

/**
 * Opens cases (`open`): the reports that arrive together commit in one statement (`case_report_batch`,
 * group commit, as the refund command's requests do): no timer, an idle service opens a report at
 * once, alone; a busy one sends what accumulated while the previous group was in flight.
 */
export class CaseReports {
  private readonly groups = new Batcher<ReportItem, OpenedCase | null>((items) => this.commit(items), {
    maxBatch: 64,
    inFlight: 1,
  });

  constructor(
    private readonly orm: Orm,
    private readonly refunds: Pick<RefundService, 'refundBatchArgs'>,
  ) {}

  /**
   * Inserts the case with its audit record; with `decided` (a rule's decision,
   * `CaseDecisions.planOpened`), the case goes in decided, with the decision, its audit, its jobs and
   * the customer's notification, and with `refund` (the decision's refund, `EmbeddedRefund.item`) its
   * refund through the refund command's group commit. A second open case of one type on one order is
   * refused (CASE_ALREADY_OPEN), also when both arrive in one group.
   */
  async open(
    row: NewCase['row'],
    actor: Actor,
    decided: DecisionPlan | null,
    refund: object | null,
  ): Promise<OpenedCase> {
    const inserted = await this.groups.submit({ ...reportItem(row, actor, decided), refund });
    if (inserted) return inserted;
    throw new CaseError('CASE_ALREADY_OPEN', `a ${row.type} case is already open on this order`, {
      orderId: row.order_id,
      type: row.type,
    });
  }

  /**
   * One statement for the group; a report whose case is not returned found its order and type taken.
   * Any error aborts the group: its reports then go one per statement, so only the one that caused it
   * fails.
   */
  private async commit(items: readonly ReportItem[]): Promise<(OpenedCase | null)[]> {
    try {
      const rows = await sqlOnPool(this.orm).prepared<CaseRow & { refund_outcome: string | null }>(
        `select b.refund_outcome, (b.opened).* from case_report_batch($1::jsonb, $2::jsonb) b`,
        [JSON.stringify(items), JSON.stringify(this.refunds.refundBatchArgs())],
      );
      const byId = new Map(
        rows.map(({ refund_outcome: refundOutcome, ...row }) => [row.id, { row, refundOutcome }]),
      );
      return items.map((item) => byId.get(item.case['id'] as string) ?? null);
    } catch (error) {
      if (items.length === 1) throw error;
      return Promise.all(items.map(async (item) => (await this.commit([item]))[0]!));
    }
  }
}

/** What `case_report_batch` writes for one report (the case in the state it opens in). */
function reportItem(
  row: NewCase['row'],
  actor: Actor,
  decided: DecisionPlan | null,
): Omit<ReportItem, 'refund'> {
  const audits = [
    auditJson({
      actor,
      action: 'case.reported',
      subjectType: 'case',
      subjectId: row.id,
      after: {
        status: row.status,
        type: row.type,
        channel: row.channel,
        severity: row.severity,
        requestedRemedy: row.requested_remedy,
        requestedAmountMinor: row.requested_amount_minor,
      },
    }),
  ];
  if (decided) {
    const { actor: by, action, after } = decided.audit;
    audits.push(
      auditJson({
        actor: by,
        action,
        subjectType: 'case',
        subjectId: row.id,
        before: { status: row.status },
        after: { status: decided.change.status, ...after },
      }),
    );
  }
  // A decided case is first reviewed at the time it is created (the statement's, not this process's).
  const opened = decided
    ? {
        ...row,
        ...decided.change.set,
        first_reviewed_at: row.first_reviewed_at,
        status: decided.change.status,
      }
    : row;
  // The statement may be sent from another request's context: each job carries its own trace context.
  const trace = traceCarrier();
  return {
    case: opened,
    audits,
    decision: decided?.decision ?? null,
    jobs: (decided?.jobs ?? []).map((job) =>
      trace ? { ...job, data: { ...job.data, [TRACE_FIELD]: trace } } : job,
    ),
    notices: decided ? [decided.notice] : [],
  };
}
