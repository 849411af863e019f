import { randomBytes } from 'node:crypto';
import { SYSTEM_WORKER, type Actor } from '../audit/index.js';
import { DomainError } from '../errors/index.js';
import {
  Batcher,
  inTransaction,
  sqlOn,
  sqlOnPool,
  toBigint,
  type EntityManager,
  type Sql,
} from '../db/index.js';
import { couponCompensation, type LiableParty } from '../ledger/index.js';
import { formatMoney, money } from '../money/index.js';
import { CaseError } from './cases.errors.js';
import type { CasesDeps } from './cases.deps.js';
import type { CaseView, DecisionView } from './cases.model.js';
import { toCaseView, type CaseRow } from './case.row.js';
import {
  changeCase,
  decisionById,
  enqueue,
  FOLLOW_DECISION,
  lastDecision,
  lockCase,
  notify,
} from './case.store.js';
import { refundKeyOf, toDecisionView, type DecisionRow } from './decision.row.js';
import type { PaymentView } from '../payments/index.js';
import type { EmbeddedRefund, RequestRefundInput } from '../refunds/index.js';
import type { RiskAssessment } from './risk.port.js';

/** The refund command's caller for every case refund: one idempotency scope whoever decided. */
export const CASES_ACTOR: Actor = { id: 'system:cases', role: 'SERVICE' };

export function liablePartyOf(kind: string, id: string | null): LiableParty {
  if (kind === 'MERCHANT') return { kind: 'MERCHANT', id: id! };
  if (kind === 'RIDER') return { kind: 'RIDER', id: id! };
  return { kind: 'PLATFORM' };
}

/** What the refund command is asked for a refund decision on a case (the key derives from the decision). */
function refundRequest(
  decision: Omit<DecisionRow, 'created_at'>,
  row: Omit<CaseRow, 'created_at' | 'updated_at'>,
): RequestRefundInput {
  return {
    idempotencyKey: refundKeyOf(decision),
    orderId: row.order_id,
    amount: money(toBigint(decision.amount_minor!), decision.currency),
    reason: (decision.note || `after-sales case ${row.id}`).slice(0, 80),
    liableParty: decision.liable_kind as 'MERCHANT' | 'RIDER' | 'PLATFORM',
    caseId: row.id,
  };
}

/** Carries decisions out: refunds through the refund command, coupons into the ledger, redeliveries out. */
export class CaseExecution {
  /** Decisions' refund ids, recorded for the refunds issued together in one statement. */
  private readonly refundIds = new Batcher<{ decisionId: string; refundId: string }, void>(
    async (items) => {
      await sqlOnPool(this.deps.orm).prepared(
        `update case_decision d set refund_id = x.refund_id
           from unnest($1::varchar[], $2::varchar[]) as x(id, refund_id)
          where d.id = x.id and d.refund_id is null`,
        [items.map((i) => i.decisionId), items.map((i) => i.refundId)],
      );
      return items.map(() => undefined);
    },
    { maxBatch: 64, inFlight: 2 },
  );

  constructor(private readonly deps: CasesDeps) {}

  /**
   * Issues the decision's refund (idempotent: the key derives from the case and the decision number,
   * so a retry, a double click or the follow-up job all reach the same refund). A refusal by the refund
   * command sends the case to manual follow-up.
   */
  async executeRefund(
    decisionId: string,
    /**
     * The decision and its case as just committed by the caller (spares reading them again), and the
     * risk assessment of the report it decided, moments before (spares the refund command its own).
     */
    known?: { readonly decision: DecisionRow; readonly row: CaseRow; readonly risk?: RiskAssessment },
  ): Promise<void> {
    const sql = sqlOnPool(this.deps.orm);
    const decision = known?.decision ?? (await decisionById(sql, decisionId));
    if (!decision || decision.status !== 'EXECUTING' || decision.refund_id !== null) return;
    const [row] = known
      ? [known.row]
      : await sql.prepared<CaseRow>(`select * from after_sales_case where id = $1`, [decision.case_id]);
    try {
      const { refund } = await this.deps.refunds.requestRefund(
        {
          ...refundRequest(decision, row!),
          ...(known?.risk ? { assessedRisk: { customerId: row!.customer_id, ...known.risk } } : {}),
        },
        CASES_ACTOR,
      );
      await this.refundIds.submit({ decisionId, refundId: refund.id });
    } catch (error) {
      await this.refusedWith(decisionId, error);
    }
  }

  /** A refund command's refusal sends the case to manual follow-up; anything else is thrown. */
  private async refusedWith(decisionId: string, error: unknown): Promise<void> {
    if (!(error instanceof DomainError)) throw error;
    const code: string = (error as DomainError<string>).code;
    await this.refundFailed(decisionId, { code, message: error.message });
  }

  /**
   * The refund of a rule's refund decision on a report, prepared by the refund command to commit with
   * the report (`case_report_batch`), from the payment and risk assessment the report read; null when
   * the command refuses it up front (it is then requested after the commit, and refused again there,
   * which sends the case to manual follow-up as before).
   */
  async embedRefund(
    decision: Omit<DecisionRow, 'created_at'>,
    row: Omit<CaseRow, 'created_at' | 'updated_at'>,
    payment: PaymentView,
    risk: RiskAssessment,
  ): Promise<EmbeddedRefund | null> {
    try {
      return await this.deps.refunds.prepareEmbedded(
        { ...refundRequest(decision, row), assessedRisk: { customerId: row.customer_id, ...risk } },
        CASES_ACTOR,
        payment,
      );
    } catch (error) {
      if (error instanceof DomainError) return null;
      throw error;
    }
  }

  /**
   * After the report committed with its refund's outcome: a refund created is the decision's already;
   * a refusal sends the case to manual follow-up; a key taken (not expected for a new case) is asked
   * of the refund command, which answers with the refund that holds it.
   */
  async settleEmbedded(
    refund: EmbeddedRefund,
    outcome: string,
    known: { readonly decision: DecisionRow; readonly row: CaseRow; readonly risk?: RiskAssessment },
  ): Promise<void> {
    const settled = await refund.settle(outcome);
    if (settled.created) return;
    if (settled.error) await this.refusedWith(known.decision.id, settled.error);
    else await this.executeRefund(known.decision.id, known);
  }

  /** The follow-up job: executes a refund not issued yet, then follows it until it is final. */
  async follow(decisionId: string): Promise<void> {
    const sql = sqlOnPool(this.deps.orm);
    let decision = await decisionById(sql, decisionId);
    if (!decision || decision.status !== 'EXECUTING') return;
    if (decision.refund_id === null) {
      await this.executeRefund(decisionId);
      decision = await decisionById(sql, decisionId);
      if (!decision || decision.status !== 'EXECUTING' || decision.refund_id === null) return;
    }
    const refund = await this.deps.refunds.get(decision.refund_id);
    if (!refund) throw new Error(`refund ${decision.refund_id} of decision ${decisionId} vanished`);
    switch (refund.status) {
      case 'SUCCEEDED':
        return this.settle(decisionId, refund.finalizedAt ?? new Date());
      case 'FAILED':
      case 'CLOSED':
        return this.refundFailed(decisionId, { code: refund.status, message: refund.lastErrorCode ?? '' });
      case 'ABNORMAL':
        await this.toManual(decisionId, 'ABNORMAL');
        return this.followLater(decisionId, 12);
      case 'PENDING':
      case 'PROCESSING':
        return this.followLater(decisionId, 1);
    }
  }

  private async followLater(decisionId: string, factor: number): Promise<void> {
    await enqueue(
      sqlOnPool(this.deps.orm),
      FOLLOW_DECISION,
      { decisionId },
      (this.deps.settings.refundFollowMs * factor) / 1000,
    );
  }

  /** The refund succeeded: the decision is done and the case resolves (once). */
  private async settle(decisionId: string, settledAt: Date): Promise<void> {
    await this.onDecision(decisionId, async (sql, row, decision) => {
      await sql.prepared(`update case_decision set status = 'DONE', executed_at = $2 where id = $1`, [
        decisionId,
        settledAt,
      ]);
      await changeCase(
        sql,
        row,
        { status: 'RESOLVED', set: { outcome: decision.kind, resolved_at: new Date() } },
        { actor: SYSTEM_WORKER, action: 'case.resolved', after: { refundId: decision.refund_id } },
      );
      await notify(
        sql,
        this.deps.notifications,
        { kind: 'CUSTOMER', id: row.customer_id },
        {
          kind: 'case.resolved',
          title: 'Your case is resolved',
          body: `Your refund of ${formatMoney(money(toBigint(decision.amount_minor!), decision.currency))} ${decision.currency} has been paid back.`,
          dedupeKey: `case:${row.id}:resolved`,
          data: { caseId: row.id, refundId: decision.refund_id },
        },
      );
    });
  }

  private async refundFailed(decisionId: string, why: { code: string; message: string }): Promise<void> {
    await this.onDecision(decisionId, async (sql, row) => {
      await sql.prepared(`update case_decision set status = 'FAILED' where id = $1`, [decisionId]);
      if (row.status !== 'MANUAL_FOLLOW_UP') {
        await changeCase(
          sql,
          row,
          { status: 'MANUAL_FOLLOW_UP' },
          {
            actor: SYSTEM_WORKER,
            action: 'case.refund_failed',
            after: { code: why.code, message: why.message.slice(0, 200) },
          },
        );
      }
    });
  }

  private async toManual(decisionId: string, reason: string): Promise<void> {
    await this.onDecision(decisionId, async (sql, row) => {
      if (row.status === 'MANUAL_FOLLOW_UP') return;
      await changeCase(
        sql,
        row,
        { status: 'MANUAL_FOLLOW_UP' },
        {
          actor: SYSTEM_WORKER,
          action: 'case.refund_abnormal',
          after: { reason },
        },
      );
    });
  }

  /** Runs `work` with the case locked, if the decision is still the case's executing one. */
  private async onDecision(
    decisionId: string,
    work: (sql: Sql, row: CaseRow, decision: DecisionRow) => Promise<void>,
  ): Promise<void> {
    await inTransaction(this.deps.orm, async (em) => {
      const sql = sqlOn(em);
      const found = await decisionById(sql, decisionId);
      if (!found) return;
      const row = await lockCase(sql, found.case_id);
      const decision = await decisionById(sql, decisionId);
      if (decision?.status !== 'EXECUTING') return;
      await work(sql, row, decision);
    });
  }

  /**
   * The customer's answer to a COUPON or REDELIVERY proposal (or silence, after the timeout). Accepting
   * carries it out in the same transaction; declining returns the case to the queue.
   */
  async respond(
    caseId: string,
    accept: boolean,
    actor: Actor,
    timeoutOf?: string,
  ): Promise<{ case: CaseView; decision: DecisionView }> {
    return inTransaction(this.deps.orm, async (em) => {
      const sql = sqlOn(em);
      const row = await lockCase(sql, caseId);
      const decision = await lastDecision(sql, row);
      const pending = row.status === 'AWAITING_CUSTOMER' && decision?.status === 'PROPOSED';
      if (!pending || (timeoutOf !== undefined && decision.id !== timeoutOf)) {
        throw new CaseError('INVALID_CASE_STATE', `case ${caseId} has no proposal waiting for an answer`, {
          status: row.status,
        });
      }
      const response = timeoutOf ? 'TIMEOUT' : accept ? 'ACCEPTED' : 'DECLINED';
      if (!accept) {
        const [declined] = await sql.prepared<DecisionRow>(
          `update case_decision set status = 'DECLINED', response = 'DECLINED', responded_at = now() where id = $1 returning *`,
          [decision.id],
        );
        const updated = await changeCase(
          sql,
          row,
          { status: 'IN_REVIEW' },
          {
            actor,
            action: 'case.proposal_declined',
            after: { seq: decision.seq },
          },
        );
        return { case: toCaseView(updated), decision: toDecisionView(declined!) };
      }
      const done =
        decision.kind === 'COUPON'
          ? await this.grantCoupon(em, row, decision)
          : await this.redeliver(sql, row, decision);
      const [accepted] = await sql.prepared<DecisionRow>(
        `update case_decision set status = 'DONE', response = $2, responded_at = now(), executed_at = now(),
                coupon_code = $3, ledger_entry_id = $4 where id = $1 returning *`,
        [decision.id, response, done.couponCode, done.ledgerEntryId],
      );
      const updated = await changeCase(
        sql,
        row,
        { status: 'RESOLVED', set: { outcome: decision.kind, resolved_at: new Date() } },
        { actor, action: 'case.proposal_accepted', after: { seq: decision.seq, response } },
      );
      return { case: toCaseView(updated), decision: toDecisionView(accepted!) };
    });
  }

  /** Dr the liable party / Cr the customer's coupons, and a code the order system can redeem. */
  private async grantCoupon(
    em: EntityManager,
    row: CaseRow,
    decision: DecisionRow,
  ): Promise<{ couponCode: string; ledgerEntryId: string }> {
    const sql = sqlOn(em);
    const amount = money(toBigint(decision.amount_minor!), decision.currency);
    const code = `CP${randomBytes(10).toString('hex').toUpperCase()}`;
    const posted = await this.deps.ledger.post(
      couponCompensation({
        caseId: row.id,
        customerId: row.customer_id,
        amount,
        payer: liablePartyOf(decision.liable_kind, decision.liable_id),
        memo: `case ${row.id} coupon`,
      }),
      { em },
    );
    await sql.prepared(
      `insert into case_coupon (code, case_id, decision_id, customer_id, amount_minor, currency, ledger_entry_id)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [code, row.id, decision.id, row.customer_id, decision.amount_minor, decision.currency, posted.entry.id],
    );
    await notify(
      sql,
      this.deps.notifications,
      { kind: 'CUSTOMER', id: row.customer_id },
      {
        kind: 'case.coupon',
        title: 'Your coupon is ready',
        body: `Coupon ${code}: ${formatMoney(amount)} ${amount.currency} off your next order.`,
        dedupeKey: `case:${row.id}:coupon`,
        data: { caseId: row.id, couponCode: code, amountMinor: decision.amount_minor },
      },
    );
    return { couponCode: code, ledgerEntryId: posted.entry.id };
  }

  /** A redelivery event the order system reads (`redeliveries`) and receives on the webhook. */
  private async redeliver(
    sql: Sql,
    row: CaseRow,
    decision: DecisionRow,
  ): Promise<{ couponCode: null; ledgerEntryId: null }> {
    await sql.prepared(
      `insert into case_redelivery (case_id, decision_id, order_id, merchant_id) values ($1, $2, $3, $4)`,
      [row.id, decision.id, row.order_id, row.merchant_id],
    );
    await notify(
      sql,
      this.deps.notifications,
      { kind: 'MERCHANT', id: row.merchant_id },
      {
        kind: 'case.redelivery',
        title: 'Redeliver an order',
        body: `Order ${row.order_id} is to be delivered again (case ${row.id}).`,
        dedupeKey: `case:${row.id}:redelivery:${decision.seq}`,
        data: { caseId: row.id, orderId: row.order_id },
      },
    );
    return { couponCode: null, ledgerEntryId: null };
  }
}
