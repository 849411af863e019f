import { createHash } from 'node:crypto';
import { jsonSafe, type Actor } from '../audit/index.js';
import {
  newId,
  pgErrorOf,
  retryingTransaction,
  sqlOn,
  sqlOnPool,
  toBigint,
  toDate,
  type EntityManager,
  type Orm,
  type Sql,
} from '../db/index.js';
import {
  refundApproved,
  refundReleased,
  refundSucceeded,
  translateLedgerError,
  type EntryInput,
  type LedgerService,
  type LiableParty,
} from '../ledger/index.js';
import { formatMoney, money } from '../money/index.js';
import type { NotificationInput, NotificationsService } from '../notifications/index.js';
import { providerName, type PaymentRow } from '../payments/index.js';
import type { Channel } from '../providers/index.js';
import { Batcher } from './refund.batch.js';
import { RefundError } from './refund.errors.js';
import type {
  RefundChange,
  RefundEventView,
  RefundFilter,
  RefundScope,
  RefundView,
  RequestRefundInput,
  RequestRefundResult,
  TransitionResult,
} from './refund.model.js';
import {
  canTransition,
  isFinal,
  REFUND_STATUSES,
  releasesReservation,
  type RefundStatus,
  type TransitionSource,
} from './refund.state.js';

export const SUBMIT_REFUND = 'refunds.submit';
export const POLL_REFUND = 'refunds.poll';

export interface RefundRules {
  /** WeChat: at most 50 partial refunds per payment. */
  readonly maxRefundsPerPayment: Readonly<Record<Channel, number>>;
  /** WeChat: one year; Alipay: by contract (3 or 12 months). */
  readonly refundWindowDays: Readonly<Record<Channel, number>>;
}

export const DEFAULT_REFUND_RULES: RefundRules = {
  maxRefundsPerPayment: { WECHAT_PAY: 50, ALIPAY: 1_000 },
  refundWindowDays: { WECHAT_PAY: 365, ALIPAY: 365 },
};

/** Sends jobs outside any transaction (structurally the JobQueue); refund transactions use `job_enqueue`. */
export interface JobSender {
  send(name: string, data: object, options?: { startAfter?: number }): Promise<string | null>;
}

export interface RefundRow {
  id: string;
  payment_id: string;
  order_id: string;
  customer_id: string;
  merchant_id: string;
  channel: string;
  amount_minor: string;
  currency: string;
  reason: string;
  liable: LiableParty;
  case_id: string | null;
  status: RefundStatus;
  settled_by: 'PROVIDER' | 'MANUAL' | null;
  provider_refund_id: string | null;
  idempotency_scope: string;
  idempotency_key: string;
  request_hash: string;
  requested_by: string;
  requested_role: string;
  attempts: number;
  last_error_code: string | null;
  last_error_message: string | null;
  lease_until: Date | null;
  submitted_at: Date | null;
  finalized_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * The refund command and the one place refund state changes (DESIGN.md §4). A request commits the
 * refund row, the cap reservation on the payment, the ledger's "refund approved" entry, the audit
 * events and the submit job in one transaction; every later change goes through `transition`, which
 * is monotonic and idempotent whether it comes from the submit response, a notify, a poll or support.
 */
export class RefundService {
  /** Refund requests commit in groups under load (group commit: `refund_request_batch`). */
  private readonly batches = new Batcher<PendingRefund, BatchOutcome>((items) => this.commitBatch(items), {
    maxBatch: 64,
    inFlight: 1,
  });

  /** The pre-reads of requests that arrive together share one statement (`refund_request_contexts`). */
  private readonly contexts = new Batcher<ContextQuery, RequestContext | undefined>(
    (items) => this.readContexts(items),
    { maxBatch: 64, inFlight: 4 },
  );

  constructor(
    private readonly orm: Orm,
    private readonly ledger: LedgerService,
    private readonly notifications: NotificationsService,
    private readonly rules: RefundRules = DEFAULT_REFUND_RULES,
  ) {}

  /**
   * A read of the payment and of the idempotency key (a replay ends there), then the request joins the
   * next group commit: `refund_request_batch` commits its reservation, the refund with its event and
   * audit record, the submit job and the ledger's "refund approved" entry in one transaction with the
   * requests that arrived alongside it (see its migration). An idle service commits it alone at once.
   */
  async requestRefund(input: RequestRefundInput, actor: Actor): Promise<RequestRefundResult> {
    validateRequest(input);
    const scope = `${actor.role}:${actor.id}`;
    const hash = requestHash(input);
    const sql = sqlOnPool(this.orm);
    const found = await this.contexts.submit({
      scope,
      key: input.idempotencyKey,
      paymentId: input.paymentId ?? null,
      orderId: input.orderId ?? null,
    });
    if (found?.existing_id) return replay((await this.row(found.existing_id))!, hash);
    if (!found?.id) {
      throw new RefundError(
        'PAYMENT_NOT_FOUND',
        input.paymentId
          ? `payment ${input.paymentId} is unknown`
          : `order ${input.orderId} has no captured payment`,
      );
    }
    if (!input.paymentId && Number(found.order_payments) > 1) {
      throw new RefundError(
        'PAYMENT_AMBIGUOUS',
        `order ${input.orderId} has several payments: give paymentId`,
      );
    }
    const payment: PaymentContext = found;
    const outcome = await this.batches.submit(await this.pendingRefund(payment, input, actor, scope, hash));
    switch (outcome.kind) {
      case 'CREATED':
        return { refund: toRefundView(outcome.row), replayed: false };
      case 'KEY_TAKEN':
      case 'NOT_RESERVED': {
        // A request with this key committed first (before us, or earlier in our batch): answer with its
        // refund. Without one, a rule said no: find out which.
        const winner = await this.findByKey(sql, scope, input.idempotencyKey);
        if (winner) return replay(winner, hash);
        if (outcome.kind === 'KEY_TAKEN') throw new Error('idempotency conflict without a committed refund');
        throw await this.whyNotReserved(sql, payment.id, input);
      }
      case 'ERROR':
        throw outcome.error;
      default: {
        const unreachable: never = outcome;
        throw new Error(`unknown batch outcome ${String(unreachable)}`);
      }
    }
  }

  private async readContexts(items: readonly ContextQuery[]): Promise<(RequestContext | undefined)[]> {
    const rows = await sqlOnPool(this.orm).prepared<RequestContext & { idx: number }>(
      `select * from refund_request_contexts($1::jsonb)`,
      [JSON.stringify(items)],
    );
    const byIndex = new Map(rows.map((row) => [row.idx, row]));
    return items.map((_, i) => byIndex.get(i));
  }

  /** Everything `refund_request_batch` needs for one request, decided here (ids, liable party, ledger legs). */
  private async pendingRefund(
    payment: PaymentContext,
    input: RequestRefundInput,
    actor: Actor,
    scope: string,
    hash: string,
  ): Promise<PendingRefund> {
    const refundId = newId('rf');
    const liable = liablePartyOf(input.liableParty, payment);
    const entry = await this.ledger.prepare(
      refundApproved({
        refundId,
        provider: providerName(payment.channel as Channel),
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
      eventDetail: { caseId: input.caseId ?? null },
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

  /** One transaction for the whole batch (`refund_request_batch`), then the rows it created. */
  private async runBatch(items: readonly PendingRefund[]): Promise<BatchOutcome[]> {
    const sql = sqlOnPool(this.orm);
    const { maxRefundsPerPayment: max, refundWindowDays: days } = this.rules;
    const outcomes = await sql.prepared<{
      idx: number;
      outcome: BatchOutcome['kind'];
      refund_id: string | null;
    }>(`select * from refund_request_batch($1::jsonb, $2, $3, $4, $5, $6)`, [
      JSON.stringify(items),
      max.WECHAT_PAY,
      max.ALIPAY,
      days.WECHAT_PAY,
      days.ALIPAY,
      SUBMIT_REFUND,
    ]);
    const createdIds = outcomes.flatMap((o) => (o.refund_id === null ? [] : [o.refund_id]));
    const rows = createdIds.length
      ? await sql.prepared<RefundRow>(`select * from refund where id = any($1::varchar[])`, [createdIds])
      : [];
    const byId = new Map(rows.map((row) => [row.id, row]));
    return outcomes
      .sort((x, y) => x.idx - y.idx)
      .map((o): BatchOutcome => {
        if (o.outcome !== 'CREATED') return { kind: o.outcome } as BatchOutcome;
        const row = byId.get(o.refund_id!);
        if (!row) throw new Error(`refund ${o.refund_id} committed but not found`);
        return { kind: 'CREATED', row };
      });
  }

  /**
   * Applies one state change, idempotently: the same change twice, or a late change that would move the
   * refund backwards, returns `changed: false` and writes nothing. One statement (`refund_transition`),
   * so on its own it commits atomically; a deadlock or serialization failure is retried. `known` is the
   * refund row when the caller has it (its immutable facts decide the ledger entry and the notification).
   */
  async transition(
    refundId: string,
    change: RefundChange,
    actor: Actor,
    known?: RefundRow,
  ): Promise<TransitionResult> {
    return retryingTransaction(() => this.transitionOn(sqlOnPool(this.orm), refundId, change, actor, known));
  }

  /** The same, inside the caller's transaction (which a failure aborts). */
  async transitionIn(
    em: EntityManager,
    refundId: string,
    change: RefundChange,
    actor: Actor,
    known?: RefundRow,
  ): Promise<TransitionResult> {
    return this.transitionOn(sqlOn(em), refundId, change, actor, known, em);
  }

  private async transitionOn(
    sql: Sql,
    refundId: string,
    change: RefundChange,
    actor: Actor,
    known: RefundRow | undefined,
    em?: EntityManager,
  ): Promise<TransitionResult> {
    const refund =
      known ?? (await sql.prepared<RefundRow>(`select * from refund where id = $1`, [refundId]))[0];
    if (!refund) throw new RefundError('REFUND_NOT_FOUND', `refund ${refundId} is unknown`);
    const to = change.to;
    const effect = to === 'SUCCEEDED' ? 'SETTLE' : releasesReservation(to) ? 'RELEASE' : null;
    const entry = effect === null ? null : await this.ledger.prepare(moneyEntry(refund, effect), { em });
    const notify = isFinal(to) || to === 'ABNORMAL';
    const detail = change.detail ?? null;
    const [row] = await sql
      .prepared<RefundRow & { changed: boolean }>(
        `select t.o_changed as changed, (t.o_refund).* from refund_transition($1::jsonb) t`,
        [
          JSON.stringify({
            refundId,
            to,
            from: REFUND_STATUSES.filter((from) => from !== to && canTransition(from, to)),
            final: isFinal(to),
            source: change.source,
            providerRefundId: change.providerRefundId ?? null,
            settledBy: change.settledBy ?? null,
            actorId: actor.id,
            actorRole: actor.role,
            requestId: actor.requestId ?? null,
            eventDetail: detail,
            auditId: newId('ae'),
            auditAfter: jsonSafe({ status: to, source: change.source, ...(detail ?? {}) }),
            notification: notify ? this.notifications.draft(customerNotice(refund, to)) : null,
            effect,
            entry: entry && {
              kind: entry.entry.kind,
              referenceType: entry.entry.reference.type,
              referenceId: entry.entry.reference.id,
              memo: entry.entry.memo ?? null,
              key: entry.idempotencyKey,
              hash: entry.bodyHash,
              accountIds: entry.accountIds,
              directions: entry.directions,
              amounts: entry.amounts,
              currencies: entry.currencies,
            },
            followUp: change.followUp ?? null,
          }),
        ],
      )
      .catch((error: unknown) => {
        if (pgErrorOf(error)?.code === 'RF404') {
          throw new RefundError('REFUND_NOT_FOUND', `refund ${refundId} is unknown`);
        }
        throw translateLedgerError(error);
      });
    if (!row) throw new Error(`refund_transition returned nothing for ${refundId}`);
    const { changed, ...updated } = row;
    return { refund: toRefundView(updated), changed };
  }

  /** Support settles an ABNORMAL refund that was paid out by other means (SUCCEEDED, method MANUAL). */
  async settleManually(refundId: string, note: string, actor: Actor): Promise<RefundView> {
    return this.supportAction(refundId, 'SUCCEEDED', note, actor);
  }

  /** Support closes an ABNORMAL refund: the reservation is released and the customer told. */
  async closeRefund(refundId: string, reason: string, actor: Actor): Promise<RefundView> {
    return this.supportAction(refundId, 'CLOSED', reason, actor);
  }

  async get(refundId: string): Promise<RefundView | null> {
    const row = await this.row(refundId);
    return row ? toRefundView(row) : null;
  }

  async row(refundId: string): Promise<RefundRow | null> {
    const [row] = await sqlOnPool(this.orm).prepared<RefundRow>(`select * from refund where id = $1`, [
      refundId,
    ]);
    return row ?? null;
  }

  /** Newest first; keyset pagination on (created_at, id). */
  async list(
    filter: RefundFilter,
    scope: RefundScope,
    limit: number,
    after: { createdAt: string; id: string } | null,
  ): Promise<RefundView[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (scope.kind === 'CUSTOMER') add('customer_id = ?', scope.id);
    if (scope.kind === 'MERCHANT') add('merchant_id = ?', scope.id);
    if (filter.status) add('status = ?', filter.status);
    if (filter.channel) add('channel = ?', filter.channel);
    if (filter.paymentId) add('payment_id = ?', filter.paymentId);
    if (filter.orderId) add('order_id = ?', filter.orderId);
    if (filter.customerId) add('customer_id = ?', filter.customerId);
    if (filter.merchantId) add('merchant_id = ?', filter.merchantId);
    if (filter.createdFrom) add('created_at >= ?', filter.createdFrom);
    if (filter.createdTo) add('created_at < ?', filter.createdTo);
    if (after) {
      params.push(after.createdAt, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(limit);
    const rows = await sqlOnPool(this.orm).rows<RefundRow>(
      `select * from refund ${where.length ? `where ${where.join(' and ')}` : ''}
        order by created_at desc, id desc limit $${params.length}`,
      params,
    );
    return rows.map(toRefundView);
  }

  async events(refundId: string): Promise<RefundEventView[]> {
    const rows = await sqlOnPool(this.orm).rows<{
      id: string;
      refund_id: string;
      from_status: RefundStatus | null;
      to_status: RefundStatus;
      source: TransitionSource;
      actor_id: string;
      actor_role: string;
      detail: Record<string, unknown> | null;
      occurred_at: Date;
    }>(`select * from refund_event where refund_id = $1 order by id`, [refundId]);
    return rows.map((r) => ({
      id: String(r.id),
      refundId: r.refund_id,
      fromStatus: r.from_status,
      toStatus: r.to_status,
      source: r.source,
      actorId: r.actor_id,
      actorRole: r.actor_role,
      detail: r.detail,
      occurredAt: toDate(r.occurred_at),
    }));
  }

  private async supportAction(
    refundId: string,
    to: 'SUCCEEDED' | 'CLOSED',
    note: string,
    actor: Actor,
  ): Promise<RefundView> {
    if (note.trim().length === 0)
      throw new RefundError('INVALID_REFUND_REQUEST', 'a note is required', { field: 'note' });
    const current = await this.get(refundId);
    if (!current) throw new RefundError('REFUND_NOT_FOUND', `refund ${refundId} is unknown`);
    if (current.status !== 'ABNORMAL') {
      throw new RefundError(
        'INVALID_TRANSITION',
        `only ABNORMAL refunds can be handled manually (this one is ${current.status})`,
      );
    }
    const result = await this.transition(
      refundId,
      { to, source: 'SUPPORT', settledBy: to === 'SUCCEEDED' ? 'MANUAL' : undefined, detail: { note } },
      actor,
    );
    if (!result.changed) {
      throw new RefundError(
        'INVALID_TRANSITION',
        `refund ${refundId} changed meanwhile (now ${result.refund.status})`,
      );
    }
    return result.refund;
  }

  private async whyNotReserved(sql: Sql, paymentId: string, input: RequestRefundInput): Promise<RefundError> {
    const [payment] = await sql.rows<PaymentRow>(`select * from payment where id = $1`, [paymentId]);
    if (!payment || (input.orderId && payment.order_id !== input.orderId)) {
      return new RefundError('PAYMENT_NOT_FOUND', `payment ${paymentId} is unknown`);
    }
    const channel = payment.channel as Channel;
    if (payment.currency !== input.amount.currency) {
      return new RefundError('CURRENCY_MISMATCH', `the payment is in ${payment.currency}`, {
        field: 'amount',
      });
    }
    if (
      Date.now() - toDate(payment.captured_at).getTime() >
      this.rules.refundWindowDays[channel] * 86_400_000
    ) {
      return new RefundError(
        'REFUND_WINDOW_EXPIRED',
        `${channel} refunds are allowed within ${this.rules.refundWindowDays[channel]} days of payment`,
      );
    }
    if (payment.refund_count >= this.rules.maxRefundsPerPayment[channel]) {
      return new RefundError(
        'TOO_MANY_PARTIAL_REFUNDS',
        `${channel} allows at most ${this.rules.maxRefundsPerPayment[channel]} refunds per payment`,
      );
    }
    const remaining = toBigint(payment.amount_minor) - toBigint(payment.reserved_minor);
    return new RefundError(
      'REFUND_EXCEEDS_REMAINING',
      'the refund exceeds what remains refundable on the payment',
      {
        remaining: formatMoney(money(remaining, payment.currency)),
        currency: payment.currency,
      },
    );
  }

  private async findByKey(sql: Sql, scope: string, key: string): Promise<RefundRow | undefined> {
    const [row] = await sql.prepared<RefundRow>(
      `select * from refund where idempotency_scope = $1 and idempotency_key = $2`,
      [scope, key],
    );
    return row;
  }
}

/**
 * The ledger entry of a refund's money leaving (SETTLE: paid out by the provider) or coming back
 * (RELEASE: the reservation returns to whoever was liable). Both follow from the refund's immutable
 * facts, so they can be prepared before its row is locked.
 */
function moneyEntry(refund: RefundRow, effect: 'SETTLE' | 'RELEASE'): EntryInput {
  const amount = money(toBigint(refund.amount_minor), refund.currency);
  const provider = providerName(refund.channel as Channel);
  return effect === 'SETTLE'
    ? refundSucceeded({ refundId: refund.id, provider, amount })
    : refundReleased({ refundId: refund.id, provider, amount, liable: refund.liable });
}

const NOTICE_TEXT: Partial<Record<RefundStatus, (amount: string) => [string, string]>> = {
  SUCCEEDED: (amount) => ['Refund completed', `${amount} has been refunded to your original payment method.`],
  FAILED: (amount) => [
    'Refund could not be completed',
    `Your refund of ${amount} failed; support will contact you.`,
  ],
  CLOSED: (amount) => ['Refund closed', `Your refund of ${amount} was closed; support will contact you.`],
  ABNORMAL: (amount) => [
    'Refund needs attention',
    `Your refund of ${amount} could not reach your account; support is on it.`,
  ],
};

/** What the customer is told when their refund reaches `status` (one notice per refund and status). */
function customerNotice(refund: RefundRow, status: RefundStatus): NotificationInput {
  const amount = formatMoney(money(toBigint(refund.amount_minor), refund.currency));
  const [title, body] = NOTICE_TEXT[status]?.(`${amount} ${refund.currency}`) ?? [
    'Refund update',
    `Refund status: ${status}`,
  ];
  return {
    recipientKind: 'CUSTOMER',
    recipientId: refund.customer_id,
    kind: `REFUND_${status}`,
    title,
    body,
    data: { refundId: refund.id, orderId: refund.order_id, amount, currency: refund.currency, status },
    dedupeKey: `refund:${refund.id}:${status}`,
  };
}

/** The immutable facts of a payment that a refund request needs before it writes. */
type PaymentContext = Pick<
  PaymentRow,
  'id' | 'order_id' | 'merchant_id' | 'rider_id' | 'channel' | 'currency'
>;

/** What a request reads before it writes (`refund_request_context`). */
interface ContextQuery {
  readonly scope: string;
  readonly key: string;
  readonly paymentId: string | null;
  readonly orderId: string | null;
}

type RequestContext = PaymentContext & { existing_id: string | null; order_payments: string };

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
}

/** What became of one request of a batch. */
type BatchOutcome =
  | { readonly kind: 'CREATED'; readonly row: RefundRow }
  | { readonly kind: 'KEY_TAKEN' }
  | { readonly kind: 'NOT_RESERVED' }
  | { readonly kind: 'ERROR'; readonly error: unknown };

function validateRequest(input: RequestRefundInput): void {
  const key = input.idempotencyKey;
  if (key.length < 8 || key.length > 200 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new RefundError(
      'INVALID_REFUND_REQUEST',
      'idempotencyKey must be 8–200 printable ASCII characters',
      {
        field: 'idempotencyKey',
      },
    );
  }
  if (!input.paymentId && !input.orderId) {
    throw new RefundError('INVALID_REFUND_REQUEST', 'give paymentId or orderId', { field: 'paymentId' });
  }
  if (input.reason.trim().length === 0 || input.reason.length > 500) {
    throw new RefundError('INVALID_REFUND_REQUEST', 'reason must be 1–500 characters', { field: 'reason' });
  }
  if (input.amount.amountMinor <= 0n) {
    throw new RefundError('INVALID_REFUND_REQUEST', 'amount must be positive', { field: 'amount' });
  }
}

/** Canonical hash of what the command asks for, to tell a replay from a different request under the same key. */
export function requestHash(input: RequestRefundInput): string {
  const canonical = JSON.stringify([
    input.paymentId ?? null,
    input.orderId ?? null,
    input.amount.amountMinor.toString(),
    input.amount.currency,
    input.reason,
    input.liableParty,
    input.caseId ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

function replay(existing: RefundRow, hash: string): RequestRefundResult {
  if (existing.request_hash !== hash) {
    throw new RefundError(
      'IDEMPOTENCY_KEY_REUSED',
      'this idempotency key was used for a different refund request',
      {
        refundId: existing.id,
      },
    );
  }
  return { refund: toRefundView(existing), replayed: true };
}

function liablePartyOf(kind: RequestRefundInput['liableParty'], payment: PaymentContext): LiableParty {
  switch (kind) {
    case 'MERCHANT':
      return { kind: 'MERCHANT', id: payment.merchant_id };
    case 'RIDER':
      if (!payment.rider_id) {
        throw new RefundError('INVALID_REFUND_REQUEST', 'the payment has no rider to hold liable', {
          field: 'liableParty',
        });
      }
      return { kind: 'RIDER', id: payment.rider_id };
    case 'PLATFORM':
      return { kind: 'PLATFORM' };
    default: {
      const unreachable: never = kind;
      throw new RefundError('INVALID_REFUND_REQUEST', `unknown liable party ${String(unreachable)}`);
    }
  }
}

export function toRefundView(row: RefundRow): RefundView {
  return {
    id: row.id,
    paymentId: row.payment_id,
    orderId: row.order_id,
    customerId: row.customer_id,
    merchantId: row.merchant_id,
    channel: row.channel as Channel,
    amount: money(toBigint(row.amount_minor), row.currency),
    reason: row.reason,
    liable: row.liable,
    caseId: row.case_id,
    status: row.status,
    settledBy: row.settled_by,
    providerRefundId: row.provider_refund_id,
    requestedBy: row.requested_by,
    requestedRole: row.requested_role,
    attempts: Number(row.attempts),
    lastErrorCode: row.last_error_code,
    lastErrorMessage: row.last_error_message,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    submittedAt: row.submitted_at ? toDate(row.submitted_at) : null,
    finalizedAt: row.finalized_at ? toDate(row.finalized_at) : null,
  };
}
