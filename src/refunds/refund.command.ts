import type { Actor } from '../audit/index.js';
import { newId, retryingTransaction, sqlOnPool, type Orm } from '../db/index.js';
import { traceCarrier, type TraceCarrier } from '../jobs/index.js';
import {
  refundApproved,
  translateLedgerError,
  type LedgerService,
  type LiableParty,
} from '../ledger/index.js';
import { invariant } from '../errors/index.js';
import { formatMoney } from '../money/index.js';
import { providerName, type PaymentsService } from '../payments/index.js';
import { Batcher, SAME_TURN_READS } from '../db/index.js';
import { RefundError } from './refund.errors.js';
import type { RefundRiskAssessment, RefundRiskPort } from './refund.risk.js';
import { SUBMIT_REFUND } from './refund.jobs.js';
import { refundColumns, toRefundView, type RefundRow } from './refund.mapping.js';
import type {
  EmbeddedRefund,
  RefundBatchArgs,
  RequestRefundInput,
  RequestRefundResult,
} from './refund.model.js';
import type { ContextQuery, RefundRepository, RequestContext } from './refund.repository.js';
import {
  liablePartyOf,
  asRefusal,
  refusalOf,
  replay,
  requestHash,
  validateRequest,
  type PaymentContext,
  type Refusal,
  type RefundRules,
} from './refund.rules.js';

/** One refund request as `refund_request_batch` takes it (a JSON object; amounts as strings). */
interface PendingRefund {
  readonly id: string;
  readonly paymentId: string;
  readonly orderId: string | null;
  readonly amount: string;
  readonly currency: string;
  readonly reason: string;
  readonly liable: LiableParty;
  readonly caseId: string | null;
  readonly scope: string;
  readonly key: string;
  readonly hash: string;
  readonly actorId: string;
  readonly actorRole: string;
  readonly eventDetail: Record<string, unknown>;
  readonly auditId: string;
  readonly requestId: string | null;
  readonly auditAfter: Record<string, unknown>;
  readonly entryKind: string;
  readonly entryMemo: string | null;
  readonly entryKey: string;
  readonly entryHash: string;
  readonly accountIds: readonly string[];
  readonly directions: readonly string[];
  readonly amounts: readonly string[];
  readonly currencies: readonly string[];
  /** The requesting operation's trace context, for its submit job (absent outside a traced operation). */
  readonly trace?: TraceCarrier | undefined;
}

/** A request's pre-read, and whether risk assesses its customer with it (no assessment given by the caller). */
interface PreRead {
  readonly query: ContextQuery;
  readonly assess: boolean;
}

interface PreReadResult {
  readonly context: RequestContext | undefined;
  readonly risk: RefundRiskAssessment | null;
}

/** What became of one request of a batch. */
type BatchOutcome =
  | { readonly kind: 'CREATED'; readonly row: RefundRow }
  | { readonly kind: 'KEY_TAKEN' }
  | { readonly kind: 'REFUSED'; readonly refusal: Refusal }
  | { readonly kind: 'ERROR'; readonly error: unknown };

/**
 * The refund command. A request commits the refund row, the cap reservation on the
 * payment, the ledger's "refund approved" entry, the audit events and the submit job in one
 * transaction, shared with the requests that arrived alongside it (group commit).
 */
export class RefundCommand {
  /** Refund requests commit in groups under load (group commit: `refund_request_batch`). */
  private readonly batches = new Batcher<PendingRefund, BatchOutcome>((items) => this.commitBatch(items), {
    maxBatch: 64,
    inFlight: 1,
  });

  /**
   * The pre-reads of requests that arrive together share one statement (`refund_request_contexts`),
   * with risk's figures of their customers when it assesses them (`refundRequestFigures`).
   */
  private readonly reads = new Batcher<PreRead, PreReadResult>(
    (items) => this.preRead(items),
    SAME_TURN_READS,
  );

  constructor(
    private readonly orm: Orm,
    private readonly repository: RefundRepository,
    private readonly ledger: LedgerService,
    private readonly rules: RefundRules,
    private readonly risk: RefundRiskPort,
    /** The payments module's reads (the customer an assessment given by the caller must be about). */
    private readonly payments: Pick<PaymentsService, 'getPayment'>,
  ) {}

  /**
   * A read of the payment and of the idempotency key (a replay ends there), then the request joins the
   * next group commit: `refund_request_batch` commits its reservation, the refund with its event and
   * audit record, the submit job and the ledger's "refund approved" entry in one transaction with the
   * requests that arrived alongside it. An idle service commits it alone at once.
   */
  async requestRefund(input: RequestRefundInput, actor: Actor): Promise<RequestRefundResult> {
    validateRequest(input);
    const scope = `${actor.role}:${actor.id}`;
    const hash = requestHash(input);
    // Risk reads the customer's figures in the request's own pre-read (batched, like it), unless the
    // caller gives its assessment.
    const read = await this.reads.submit({
      query: {
        scope,
        key: input.idempotencyKey,
        paymentId: input.paymentId ?? null,
        orderId: input.orderId ?? null,
      },
      assess: !input.assessedRisk,
    });
    const found = read.context;
    const risk = input.assessedRisk ?? read.risk;
    if (found?.existingId) return replay((await this.repository.row(found.existingId))!, hash);
    if (!found?.id) {
      throw new RefundError(
        'PAYMENT_NOT_FOUND',
        input.paymentId
          ? `payment ${input.paymentId} is unknown`
          : `order ${input.orderId} has no captured payment`,
      );
    }
    if (!input.paymentId && Number(found.orderPayments) > 1) {
      throw new RefundError(
        'PAYMENT_AMBIGUOUS',
        `order ${input.orderId} has several payments: give paymentId`,
      );
    }
    const payment: PaymentContext = found;
    if (input.assessedRisk) await this.assertAssessedCustomer(input.assessedRisk, payment);
    refuseUnreviewedAutomaticRefund(risk, input, actor);
    const pending = await this.pendingRefund(payment, input, actor, scope, hash, risk);
    const outcome = await this.batches.submit(pending);
    switch (outcome.kind) {
      case 'CREATED':
        return { refund: toRefundView(outcome.row), replayed: false };
      case 'KEY_TAKEN':
      case 'REFUSED': {
        // A request with this key committed first (before us, or earlier in our batch): answer with its
        // refund. Without one, the payments module's rules said no, and which (`payment_refund_reserve`).
        const winner = await this.repository.findByKey(scope, input.idempotencyKey);
        if (winner) return replay(winner, hash);
        if (outcome.kind === 'KEY_TAKEN') throw new Error('idempotency conflict without a committed refund');
        const remaining =
          outcome.refusal === 'REFUND_EXCEEDS_REMAINING'
            ? await this.repository.refundable(payment.id)
            : null;
        throw refusalOf(outcome.refusal, payment, this.rules, remaining);
      }
      case 'ERROR':
        throw outcome.error;
      default: {
        const unreachable: never = outcome;
        throw new Error(`unknown batch outcome ${String(unreachable)}`);
      }
    }
  }

  /**
   * A request whose caller commits it in its own statement (`EmbeddedRefund`): the caller read the
   * payment (one captured payment of the order it refunds) and assessed the customer's risk for this
   * very request; the key is new to it. What `requestRefund` checks before the group commit is checked
   * here, from those facts, with no read of its own.
   */
  async prepareEmbedded(
    input: RequestRefundInput & { readonly assessedRisk: RefundRiskAssessment },
    actor: Actor,
    payment: PaymentContext & { readonly customerId: string },
  ): Promise<EmbeddedRefund> {
    validateRequest(input);
    invariant(
      payment.customerId === input.assessedRisk.customerId,
      `the risk assessment given for a refund of payment ${payment.id} is about another customer than the payer`,
    );
    refuseUnreviewedAutomaticRefund(input.assessedRisk, input, actor);
    const scope = `${actor.role}:${actor.id}`;
    const pending = await this.pendingRefund(
      payment,
      input,
      actor,
      scope,
      requestHash(input),
      input.assessedRisk,
    );
    return {
      refundId: pending.id,
      item: pending,
      settle: async (outcome) => {
        if (outcome === 'CREATED') return { created: true, error: null };
        if (outcome === 'KEY_TAKEN') return { created: false, error: null };
        const refusal = asRefusal(outcome);
        const remaining =
          refusal === 'REFUND_EXCEEDS_REMAINING' ? await this.repository.refundable(payment.id) : null;
        return { created: false, error: refusalOf(refusal, payment, this.rules, remaining) };
      },
    };
  }

  /** `refund_request_batch`'s arguments after the items, for a caller's statement (`prepareEmbedded`). */
  batchArgs(): RefundBatchArgs {
    const { maxRefundsPerPayment: max, refundWindowDays: days } = this.rules;
    return [max.WECHAT_PAY, max.ALIPAY, days.WECHAT_PAY, days.ALIPAY, SUBMIT_REFUND];
  }

  /**
   * A group's pre-reads, with risk's assessments of those that ask for one: in one statement when risk
   * offers its figures as SQL (`refundRequestFigures`), else risk assesses them on its own.
   */
  private async preRead(items: readonly PreRead[]): Promise<PreReadResult[]> {
    const queries = items.map((item) => item.query);
    const asking = items.flatMap((item, i) => (item.assess ? [i] : []));
    const requests = asking.map((i) => ({
      paymentId: queries[i]!.paymentId,
      orderId: queries[i]!.orderId,
    }));
    let contexts: (RequestContext | undefined)[];
    let assessed: (RefundRiskAssessment | null)[];
    if (asking.length > 0 && this.risk.refundRequestFigures) {
      const figures = await this.risk.refundRequestFigures(requests);
      const read = await this.repository.contextsAlongside(queries, figures);
      contexts = read.contexts;
      assessed = await figures.assess(read.rows);
    } else {
      [contexts, assessed] = await Promise.all([
        this.repository.contexts(queries),
        Promise.all(requests.map((request) => this.risk.assessRefundRequest(request))),
      ]);
    }
    const risks = new Map(asking.map((i, n) => [i, assessed[n] ?? null]));
    return items.map((_, i) => ({ context: contexts[i], risk: risks.get(i) ?? null }));
  }

  /**
   * An assessment given by the caller (the cases module, from the report it decided) must be about
   * the customer who paid: routing a refund by another customer's flags is a bug in the caller, not
   * something a client can cause. One read of the payment, on that path only.
   */
  private async assertAssessedCustomer(
    assessed: RefundRiskAssessment,
    payment: PaymentContext,
  ): Promise<void> {
    const paid = await this.payments.getPayment(payment.id);
    invariant(
      paid !== null && paid.customerId === assessed.customerId,
      `the risk assessment given for a refund of payment ${payment.id} is about another customer than the payer`,
    );
  }

  /** Everything `refund_request_batch` needs for one request, decided here (ids, liable party, ledger legs). */
  private async pendingRefund(
    payment: PaymentContext,
    input: RequestRefundInput,
    actor: Actor,
    scope: string,
    hash: string,
    risk: RefundRiskAssessment | null,
  ): Promise<PendingRefund> {
    const refundId = newId('rf');
    const liable = liablePartyOf(input.liableParty, payment);
    const entry = await this.ledger.prepare(
      refundApproved({
        refundId,
        provider: providerName(payment.channel),
        amount: input.amount,
        liable,
        memo: input.reason.slice(0, 200),
      }),
    );
    return {
      id: refundId,
      paymentId: payment.id,
      orderId: input.orderId ?? null,
      amount: input.amount.amountMinor.toString(),
      currency: input.amount.currency,
      reason: input.reason,
      liable,
      caseId: input.caseId ?? null,
      scope,
      key: input.idempotencyKey,
      hash,
      actorId: actor.id,
      actorRole: actor.role,
      eventDetail: {
        caseId: input.caseId ?? null,
        // How risk flags routed the request, kept when some flag was active (see refund.risk.ts).
        ...(risk && risk.flags.length > 0 ? { risk: { routing: risk.routing, flags: risk.flags } } : {}),
      },
      auditId: newId('ae'),
      requestId: actor.requestId ?? null,
      auditAfter: {
        paymentId: payment.id,
        amount: formatMoney(input.amount),
        currency: input.amount.currency,
        liable,
        reason: input.reason,
      },
      entryKind: entry.entry.kind,
      entryMemo: entry.entry.memo ?? null,
      entryKey: entry.idempotencyKey,
      entryHash: entry.bodyHash,
      accountIds: entry.accountIds,
      directions: entry.directions,
      amounts: entry.amounts,
      currencies: entry.currencies,
      // Captured here, in the request's context: the batch statement may be sent from another's.
      trace: traceCarrier(),
    };
  }

  /**
   * Commits a batch. Any error aborts all of it; then each request runs in a batch of its own, so only
   * the request that caused it fails (a single request's deadlocks and serialization failures are
   * retried a few times).
   */
  private async commitBatch(items: readonly PendingRefund[]): Promise<BatchOutcome[]> {
    if (items.length === 1) {
      try {
        return await retryingTransaction(() => this.runBatch(items));
      } catch (error) {
        return [{ kind: 'ERROR', error: translateLedgerError(error) }];
      }
    }
    try {
      return await this.runBatch(items);
    } catch {
      return Promise.all(items.map(async (item) => (await this.commitBatch([item]))[0]!));
    }
  }

  /** One transaction for the whole batch (`refund_request_batch`), which returns the rows it created. */
  private async runBatch(items: readonly PendingRefund[]): Promise<BatchOutcome[]> {
    // A request's refund columns are null unless it created one.
    const outcomes = await sqlOnPool(this.orm).prepared<
      { idx: number; outcome: string } & Omit<RefundRow, 'id'> & { id: string | null }
    >(
      `select b.idx, b.outcome, ${refundColumns('(b.refund).')}
         from refund_request_batch($1::jsonb, $2, $3, $4, $5, $6) as b`,
      [JSON.stringify(items), ...this.batchArgs()],
    );
    return outcomes
      .sort((x, y) => x.idx - y.idx)
      .map(({ idx: _, outcome, id, ...row }): BatchOutcome => {
        if (outcome === 'KEY_TAKEN') return { kind: 'KEY_TAKEN' };
        if (outcome !== 'CREATED') return { kind: 'REFUSED', refusal: asRefusal(outcome) };
        invariant(id !== null, 'refund_request_batch created a refund without returning its row');
        return { kind: 'CREATED', row: { ...row, id } };
      });
  }
}

/**
 * A customer whose active flags block automatic refunds gets none from an automated caller (SERVICE)
 * unless the refund executes an after-sales case's decision (`caseId`): the case's review consulted
 * risk already. People (support, admins) decide themselves, and see the routing on the refund.
 */
function refuseUnreviewedAutomaticRefund(
  risk: RefundRiskAssessment | null,
  input: RequestRefundInput,
  actor: Actor,
): void {
  if (risk?.routing !== 'BLOCK_AUTO_REFUND' || actor.role !== 'SERVICE' || input.caseId) return;
  throw new RefundError(
    'RISK_REVIEW_REQUIRED',
    'risk flags block automatic refunds for this customer: a person must review this refund',
  );
}
