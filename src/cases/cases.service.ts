import { auditTrail, type Actor, type AuditEntryView } from '../audit/index.js';
import { Role, type Viewer } from '../auth/index.js';
import { inTransaction, sqlOn, sqlOnPool, toDate } from '../db/index.js';
import type { JobDefinition } from '../jobs/index.js';
import { CaseError } from './cases.errors.js';
import type { CasesDeps } from './cases.deps.js';
import type {
  CaseType,
  CaseView,
  DecideInput,
  DecisionResult,
  DecisionView,
  LiableKind,
  RedeliveryView,
  ReportCaseInput,
} from './cases.model.js';
import { CaseAppeals } from './case.appeal.js';
import { CaseDecisions, isRefund } from './case.decide.js';
import { CaseCoupons } from './case.coupon.js';
import { CaseMetricsQuery, METRICS_REFRESH } from './case.metrics.js';
import { CaseSupport } from './case.support.js';
import { DETECT_LATE_ORDERS, LateOrderDetector, type DetectionResult } from './case.detect.js';
import { DeliveryTracking } from './case.tracking.js';
import { money } from '../money/index.js';
import type { OrderView } from '../payments/index.js';
import { CaseExecution } from './case.execute.js';
import { CaseReports, prepareCase, ReportReads, type CaseOrigin } from './case.report.js';
import { toCaseView, type CaseRow } from './case.row.js';
import { changeCase, FOLLOW_DECISION, lockCase, PROPOSAL_TIMEOUT } from './case.store.js';
import { toDecisionView, type DecisionRow } from './decision.row.js';

/** Automatic decisions are audited as this actor, with the rule and figures they used. */
export const AUTO_REVIEW: Actor = { id: 'system:auto-review', role: 'SYSTEM' };

/** Who may see a case: its customer, the merchant or rider it holds liable, and the back office. */
export function mayViewCase(viewer: Viewer, view: CaseView): boolean {
  switch (viewer.role) {
    case Role.SUPPORT:
    case Role.ADMIN:
    case Role.FINANCE:
      return true;
    case Role.CUSTOMER:
      return view.customerId === viewer.subject;
    case Role.MERCHANT:
      return view.liableKind === 'MERCHANT' && view.merchantId === viewer.subject;
    case Role.RIDER:
      return view.liableKind === 'RIDER' && view.riderId === viewer.subject;
    case Role.SERVICE:
      return false;
  }
}

/** Who bears a claim of this type when a rule decides: the rider for delivery, the merchant for food. */
export function defaultLiable(type: CaseType, riderId: string | null): LiableKind {
  if (type === 'LATE' || type === 'NOT_DELIVERED') return riderId ? 'RIDER' : 'PLATFORM';
  return 'MERCHANT';
}

/** After-sales cases: reports, review, decisions and their execution (see src/cases/README.md). */
export class CasesService {
  private readonly execution: CaseExecution;
  private readonly decisions: CaseDecisions;
  /** The support queue, assignment, evidence requests and similar cases. */
  readonly support: CaseSupport;
  /** Appeals by liable parties and their second review. */
  readonly appeals: CaseAppeals;
  readonly metrics: CaseMetricsQuery;
  /** Coupon codes from accepted COUPON decisions, redeemed by the order system. */
  readonly coupons: CaseCoupons;
  /** Rider positions and the early warnings they raise. */
  readonly tracking: DeliveryTracking;
  private readonly detector: LateOrderDetector;
  /** Reports that arrive together open in one statement (group commit). */
  private readonly reports: CaseReports;
  /** Their reads (order, claims, risk's figures) in one statement too. */
  private readonly reads: ReportReads;

  constructor(private readonly deps: CasesDeps) {
    this.reports = new CaseReports(deps.orm, deps.refunds);
    this.reads = new ReportReads(deps.orm, deps.risk);
    this.execution = new CaseExecution(deps);
    this.decisions = new CaseDecisions(deps, this.execution);
    this.support = new CaseSupport(deps);
    this.appeals = new CaseAppeals(deps);
    this.metrics = new CaseMetricsQuery(deps.orm);
    this.coupons = new CaseCoupons(deps);
    this.tracking = new DeliveryTracking(deps, deps.settings);
    this.detector = new LateOrderDetector(deps, deps.settings, (caseId, order, type) =>
      type === 'LATE' ? this.proposeLateCoupon(caseId, order) : Promise.resolve(),
    );
  }

  /** Late-order detection now (the worker also runs it every minute). Idempotent per order and type. */
  async detectLateOrders(): Promise<DetectionResult> {
    return this.detector.run(this.now());
  }

  /** The late-coupon policy: a detected LATE case is offered a coupon (accepted by silence too). */
  private async proposeLateCoupon(caseId: string, order: OrderView): Promise<void> {
    const couponMinor = BigInt(this.deps.settings.lateCouponMinor);
    if (couponMinor === 0n) return;
    const amount = money(
      couponMinor < order.total.amountMinor ? couponMinor : order.total.amountMinor,
      order.total.currency,
    );
    await this.decisions.decide(
      {
        caseId,
        kind: 'COUPON',
        amount,
        liable: defaultLiable('LATE', order.riderId),
        note: 'sorry for the late delivery',
      },
      AUTO_REVIEW,
      {
        ruleId: 'late-coupon',
        version: 1,
        figures: { couponMinor: amount.amountMinor.toString(), orderId: order.id },
      },
    );
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** A customer reports a problem with one of their orders (channel APP). */
  async report(input: ReportCaseInput, actor: Actor): Promise<CaseView> {
    return this.open(input, { customerId: actor.id, channel: 'APP', actor });
  }

  /** Support opens a case for a customer who called the hotline (channel PHONE, the agent reports). */
  async openOnBehalf(input: ReportCaseInput, customerId: string, actor: Actor): Promise<CaseView> {
    return this.open(input, { customerId, channel: 'PHONE', actor });
  }

  private async open(input: ReportCaseInput, origin: CaseOrigin): Promise<CaseView> {
    const rules = await this.deps.rules.current();
    const prepared = await prepareCase((query) => this.reads.read(query), rules, input, origin, this.now());
    const rule = rules['auto-review'];
    // An approved claim goes in decided, with the amount it was validated with, in the statement that
    // opens it; its refund is issued once both are committed, with the report's risk assessment.
    const decided = prepared.review.approve
      ? this.decisions.planOpened(
          prepared.row,
          {
            caseId: prepared.row.id,
            kind: input.remedy,
            amount: input.remedy === 'PARTIAL_REFUND' ? input.amount : null,
            liable: defaultLiable(prepared.row.type as CaseType, prepared.row.rider_id),
            note: 'approved automatically',
          },
          prepared.approvedAmount,
          AUTO_REVIEW,
          { ruleId: rule.ruleId, version: rule.version, figures: prepared.review.figures },
        )
      : null;
    // A refund decision on the order's one payment commits its refund with the report (one statement).
    const embedded =
      decided && prepared.payment && isRefund(decided.decision.kind)
        ? await this.execution.embedRefund(decided.decision, prepared.row, prepared.payment, prepared.risk)
        : null;
    const { row, refundOutcome } = await this.reports.open(
      prepared.row,
      origin.actor,
      decided,
      embedded?.item ?? null,
    );
    const view = toCaseView(row);
    // Debug: the request's access line and the case's audit record (actor, request id) already say it;
    // at info it was a second synchronous log write on every report.
    this.deps.logger.debug(
      { caseId: view.id, type: view.type, channel: view.channel, severity: view.severity },
      'case opened',
    );
    if (!decided) return view;
    const taken = this.decisions.taken(row, decided, prepared.risk);
    if (embedded && refundOutcome !== null)
      await this.execution.settleEmbedded(embedded, refundOutcome, taken);
    else await this.decisions.executeIfRefund(taken);
    return view;
  }

  /** A reviewer's (or a rule's) decision; the same decision submitted twice is taken once. */
  async decide(input: DecideInput, actor: Actor): Promise<DecisionResult> {
    return this.decisions.decide(input, actor);
  }

  /** The customer accepts or declines a COUPON or REDELIVERY proposal on their own case. */
  async respond(caseId: string, accept: boolean, actor: Actor): Promise<DecisionResult> {
    const view = await this.get(caseId);
    if (!view || view.customerId !== actor.id)
      throw new CaseError('CASE_NOT_FOUND', `case ${caseId} is unknown`);
    const result = await this.execution.respond(caseId, accept, actor);
    return { ...result, replayed: false };
  }

  async get(caseId: string): Promise<CaseView | null> {
    const [row] = await sqlOnPool(this.deps.orm).prepared<CaseRow>(
      `select * from after_sales_case where id = $1`,
      [caseId],
    );
    return row ? toCaseView(row) : null;
  }

  async decisionsOf(caseId: string, limit = 1000): Promise<DecisionView[]> {
    const rows = await sqlOnPool(this.deps.orm).prepared<DecisionRow>(
      `select * from case_decision where case_id = $1 order by seq limit $2`,
      [caseId, limit],
    );
    return rows.map(toDecisionView);
  }

  /** The case if the viewer may see it; otherwise CASE_NOT_FOUND, exactly as for a missing one. */
  async getFor(viewer: Viewer, caseId: string): Promise<CaseView> {
    const view = await this.get(caseId);
    if (!view || !mayViewCase(viewer, view))
      throw new CaseError('CASE_NOT_FOUND', `case ${caseId} is unknown`);
    return view;
  }

  /** The customer rates their resolved case, 1–5, once. */
  async rate(caseId: string, rating: number, comment: string | null, actor: Actor): Promise<CaseView> {
    if (!Number.isInteger(rating) || rating < 1 || rating > 5) {
      throw new CaseError('INVALID_CASE_INPUT', 'a rating is 1 to 5', { field: 'rating' });
    }
    return inTransaction(this.deps.orm, async (em) => {
      const sql = sqlOn(em);
      const row = await lockCase(sql, caseId);
      if (row.customer_id !== actor.id) throw new CaseError('CASE_NOT_FOUND', `case ${caseId} is unknown`);
      if (row.status !== 'RESOLVED' || row.rating !== null) {
        throw new CaseError('INVALID_CASE_STATE', 'only a resolved case is rated, once', {
          status: row.status,
        });
      }
      const text = comment?.trim().slice(0, 500) || null;
      const updated = await changeCase(
        sql,
        row,
        { set: { rating, rating_comment: text, rated_at: new Date() } },
        { actor, action: 'case.rated', after: { rating } },
      );
      return toCaseView(updated);
    });
  }

  /** The case's audit trail (actor, role, action, before/after, time), oldest first. */
  async auditTrail(caseId: string, limit?: number): Promise<AuditEntryView[]> {
    return auditTrail(sqlOnPool(this.deps.orm), 'case', caseId, limit);
  }

  /** Cases holding this merchant or rider liable, newest first. */
  async liableCases(
    kind: 'MERCHANT' | 'RIDER',
    id: string,
    limit: number,
    after: { createdAt: string; id: string } | null,
  ): Promise<CaseView[]> {
    const column = kind === 'MERCHANT' ? 'merchant_id' : 'rider_id';
    const rows = await sqlOnPool(this.deps.orm).rows<CaseRow>(
      `select * from after_sales_case
        where ${column} = $1 and liable_kind = $2
          and ($3::timestamptz is null or (created_at, id) < ($3::timestamptz, $4))
        order by created_at desc, id desc limit $5`,
      [id, kind, after?.createdAt ?? null, after?.id ?? '', limit],
    );
    return rows.map(toCaseView);
  }

  /** A customer's own cases, newest first (keyset pages). */
  async listForCustomer(
    customerId: string,
    limit: number,
    after: { createdAt: string; id: string } | null,
  ): Promise<CaseView[]> {
    const rows = await sqlOnPool(this.deps.orm).rows<CaseRow>(
      `select * from after_sales_case
        where customer_id = $1 and ($2::timestamptz is null or (created_at, id) < ($2::timestamptz, $3))
        order by created_at desc, id desc limit $4`,
      [customerId, after?.createdAt ?? null, after?.id ?? '', limit],
    );
    return rows.map(toCaseView);
  }

  /** Redeliveries for the order system to perform, oldest first, after the last one it has seen. */
  async redeliveries(afterId: string | null, limit: number): Promise<RedeliveryView[]> {
    const rows = await sqlOnPool(this.deps.orm).rows<{
      id: string;
      case_id: string;
      order_id: string;
      merchant_id: string;
      created_at: Date;
    }>(
      `select id::text, case_id, order_id, merchant_id, created_at from case_redelivery
        where id > coalesce($1::bigint, 0) order by id limit $2`,
      [afterId, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      caseId: r.case_id,
      orderId: r.order_id,
      merchantId: r.merchant_id,
      createdAt: toDate(r.created_at),
    }));
  }

  jobDefinitions(): JobDefinition[] {
    return [
      {
        name: FOLLOW_DECISION,
        queue: { retryLimit: 20, retryDelay: 2, retryBackoff: true },
        handle: (job) => this.execution.follow((job.data as { decisionId: string }).decisionId),
      },
      {
        name: DETECT_LATE_ORDERS,
        cron: '* * * * *',
        queue: { retryLimit: 0 },
        handle: async () => {
          await this.detectLateOrders();
        },
      },
      {
        // Keeps the stored metrics days current, so that a metrics query recomputes little itself.
        name: METRICS_REFRESH,
        cron: '* * * * *',
        queue: { retryLimit: 0 },
        handle: async () => {
          await this.metrics.refresh();
        },
      },
      {
        name: PROPOSAL_TIMEOUT,
        queue: { retryLimit: 10, retryDelay: 5, retryBackoff: true },
        handle: (job) => this.proposalTimedOut((job.data as { decisionId: string }).decisionId),
      },
    ];
  }

  /** Silence accepts: a proposal still waiting when its time is up is accepted as TIMEOUT. */
  private async proposalTimedOut(decisionId: string): Promise<void> {
    const [row] = await sqlOnPool(this.deps.orm).prepared<DecisionRow>(
      `select * from case_decision where id = $1`,
      [decisionId],
    );
    if (row?.status !== 'PROPOSED') return;
    try {
      await this.execution.respond(row.case_id, true, AUTO_REVIEW, decisionId);
    } catch (error) {
      if (error instanceof CaseError && error.code === 'INVALID_CASE_STATE') return; // answered meanwhile
      throw error;
    }
  }
}
