import type { Job } from 'pg-boss';
import { SYSTEM_WORKER } from '../audit/index.js';
import {
  inTransaction,
  isDatabaseUnavailable,
  retryingTransaction,
  sqlOn,
  sqlOnPool,
  type EntityManager,
  type Orm,
  type Sql,
  type SqlRow,
} from '../db/index.js';
import { DomainError } from '../errors/index.js';
import type { JobDefinition } from '../jobs/index.js';
import { errorBrief, type Logger } from '../logging/index.js';
import { money } from '../money/index.js';
import type { ExceptionFigure, ExceptionSeverity, OpsExceptionsService } from '../ops-exceptions/index.js';
import type { PaymentsService } from '../payments/index.js';
import {
  ProviderError,
  type Channel,
  type HttpReply,
  type InboundHttpRequest,
  type PaymentProvider,
  type ProviderNotificationEvent,
  type ProviderRegistry,
  type VerifiedNotification,
} from '../providers/index.js';
import type { RefundPayment, RefundService } from '../refunds/index.js';
import type { ProviderNotification } from './callback.entity.js';
import { decodeEvent, encodeEvent } from './callbacks.codec.js';
import {
  paymentDisagreements,
  refundDisagreements,
  type PaymentNotifyEvent,
  type RefundFacts,
  type RefundNotifyEvent,
} from './callbacks.matching.js';
import type { InboxStatus, NotifyExceptionDetail, NotifyExceptionKind } from './callbacks.model.js';

export const APPLY_NOTIFY = 'callbacks.apply';
export const SWEEP_INBOX = 'callbacks.sweep';

/** Inbox rows still RECEIVED this long after arrival lost their job (retries ran out): queue again. */
const STUCK_AFTER_MS = 120_000;

/** Sends jobs outside any transaction (structurally the JobQueue); the inbox queues its own with `job_enqueue`. */
export interface CallbackJobs {
  send(name: string, data: object): Promise<string | null>;
}

type InboxRow = SqlRow<ProviderNotification, 'id' | 'channel' | 'notifyId' | 'event' | 'status'>;

interface RaisedException {
  readonly kind: NotifyExceptionKind;
  readonly severity: ExceptionSeverity;
  readonly referenceType: 'refund' | 'order' | 'payment' | 'notify';
  readonly referenceId: string;
  readonly reason: string;
  readonly figures: readonly ExceptionFigure[];
}

/** What applying one inbox row came to. */
type Outcome =
  | { readonly status: 'APPLIED' | 'IGNORED'; readonly note: string }
  | { readonly status: 'EXCEPTION'; readonly note: string; readonly exception: RaisedException };

/**
 * Provider notify callbacks (docs/providers.md): verify over the raw body, store in the inbox (deduplicated)
 * and queue the apply job in one transaction, then acknowledge exactly as the provider expects. The job
 * applies the event idempotently through RefundService / PaymentsService; a notify that disagrees with
 * our records is not applied and becomes an ops exception for support and finance.
 */
/** Seconds a provider is asked to wait before redelivering a notify refused during a database outage. */
export const NOTIFY_RETRY_AFTER_SECONDS = 1;

export class CallbacksService {
  constructor(
    private readonly orm: Orm,
    private readonly providers: ProviderRegistry,
    private readonly refunds: RefundService,
    private readonly payments: PaymentsService,
    private readonly exceptions: OpsExceptionsService,
    private readonly jobs: CallbackJobs,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  jobDefinitions(): JobDefinition[] {
    return [
      {
        name: APPLY_NOTIFY,
        queue: { retryLimit: 10, retryDelay: 2, retryBackoff: true, retryDelayMax: 300 },
        handle: async (job) => void (await this.apply((job as Job<{ inboxId: string }>).data.inboxId)),
      },
      { name: SWEEP_INBOX, cron: '*/5 * * * *', handle: async () => void (await this.requeueStuck()) },
    ];
  }

  /** One delivery: verify, store, acknowledge. Never throws: every path has the provider's reply. */
  async receive(channel: Channel, request: InboundHttpRequest): Promise<HttpReply> {
    if (!this.providers.has(channel)) return { status: 404, headers: {}, body: '' };
    const provider = this.providers.get(channel);
    let verified: VerifiedNotification;
    try {
      verified = await provider.verifyNotification(request, this.now());
    } catch (error) {
      return this.rejected(channel, provider, error);
    }
    try {
      await this.store(channel, verified);
    } catch (error) {
      // Not stored means not acknowledged: the provider retries later.
      if (isDatabaseUnavailable(error)) {
        // An outage, not a fault of ours or of the notify: 503 with Retry-After, as GraphQL answers.
        this.logger.warn(
          { error: errorBrief(error), channel, notifyId: verified.notifyId },
          'notify not stored: database unavailable',
        );
        const refused = provider.acknowledge(false);
        return {
          ...refused,
          status: 503,
          headers: { ...refused.headers, 'retry-after': String(NOTIFY_RETRY_AFTER_SECONDS) },
        };
      }
      this.logger.error({ err: error, channel, notifyId: verified.notifyId }, 'notify could not be stored');
      return { ...provider.acknowledge(false), status: 500 };
    }
    return provider.acknowledge(true);
  }

  /**
   * The apply job: idempotent; a row that is no longer RECEIVED is left alone. Returns what happened.
   * Notifies about one refund apply in the order they were received: their jobs may run in any order, so
   * earlier ones still waiting are applied first (a SUCCESS received before a stale ABNORMAL must win).
   */
  async apply(inboxId: string): Promise<InboxStatus | null> {
    for (const earlier of await this.earlierAboutSameRefund(inboxId)) await this.applyOne(earlier);
    return this.applyOne(inboxId);
  }

  private async earlierAboutSameRefund(inboxId: string): Promise<string[]> {
    const rows = await sqlOnPool(this.orm).prepared<{ id: string }>(
      `select e.id from provider_notification x
         join provider_notification e
           on e.status = 'RECEIVED' and e.channel = x.channel and e.id < x.id
          and e.event->>'type' = 'REFUND_STATUS' and e.event->>'refundId' = x.event->>'refundId'
        where x.id = $1 and x.event->>'type' = 'REFUND_STATUS'
        order by e.id`,
      [inboxId],
    );
    return rows.map((r) => String(r.id));
  }

  private async applyOne(inboxId: string): Promise<InboxStatus | null> {
    try {
      return await inTransaction(this.orm, (em) => this.applyIn(em, inboxId));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error; // a bug or the database: the job retries
      // A domain rule refused the change (e.g. PAYMENT_CONFLICT); nothing of it was written.
      const refusal: { code: string; message: string } = error;
      return inTransaction(this.orm, (em) => this.refusedIn(em, inboxId, refusal));
    }
  }

  /** Re-queues inbox rows whose apply job was lost or gave up. */
  async requeueStuck(): Promise<number> {
    const sql = sqlOnPool(this.orm);
    const stuck = await sql.rows<{ id: string }>(
      `select id from provider_notification
        where status = 'RECEIVED' and received_at < now() - make_interval(secs => $1 / 1000.0)
        order by id limit 500`,
      [STUCK_AFTER_MS],
    );
    for (const row of stuck) await this.jobs.send(APPLY_NOTIFY, { inboxId: String(row.id) });
    if (stuck.length > 0) this.logger.warn({ count: stuck.length }, 're-queued stuck notifies');
    return stuck.length;
  }

  private rejected(channel: Channel, provider: PaymentProvider, error: unknown): HttpReply {
    const failure = provider.acknowledge(false);
    if (!(error instanceof ProviderError)) {
      this.logger.error({ err: error, channel }, 'notify verification crashed');
      return { ...failure, status: 500 };
    }
    // The code only: the message may quote the payload.
    this.logger.warn({ channel, code: error.code }, 'notify rejected');
    return { ...failure, status: error.code === 'MALFORMED_NOTIFICATION' ? 400 : 401 };
  }

  /**
   * Inbox row and apply job commit together, in one statement; a resend of a stored event only counts
   * the delivery.
   */
  private async store(channel: Channel, verified: VerifiedNotification): Promise<void> {
    const stored = await retryingTransaction(async () => {
      const [row] = await sqlOnPool(this.orm).prepared<{ id: string; inserted: boolean; deliveries: number }>(
        `with stored as (
           insert into provider_notification (channel, notify_id, dedupe_key, event, status)
           values ($1, $2, $3, $4, 'RECEIVED')
           on conflict (channel, dedupe_key) do update set deliveries = provider_notification.deliveries + 1
           returning id, deliveries, (xmax = 0) as inserted
         )
         select id, deliveries, inserted,
                case when inserted then job_enqueue($5, jsonb_build_object('inboxId', id::text)) end as job_id
           from stored`,
        [
          channel,
          verified.notifyId,
          verified.dedupeKey,
          JSON.stringify(encodeEvent(verified.event)),
          APPLY_NOTIFY,
        ],
      );
      if (!row) throw new Error('inbox insert returned no row');
      return row;
    });
    this.logger.info(
      {
        channel,
        notifyId: verified.notifyId,
        eventType: verified.event.type,
        inboxId: String(stored.id),
        duplicate: !stored.inserted,
        deliveries: stored.deliveries,
      },
      'notify stored',
    );
  }

  private async applyIn(em: EntityManager, inboxId: string): Promise<InboxStatus | null> {
    const sql = sqlOn(em);
    const row = await lockReceived(sql, inboxId);
    if (!row) return null;
    const event = decodeEvent(row.event);
    const outcome = await this.decide(em, row, event);
    await this.finish(em, row, event, outcome);
    return outcome.status;
  }

  private async refusedIn(
    em: EntityManager,
    inboxId: string,
    error: { readonly code: string; readonly message: string },
  ): Promise<InboxStatus | null> {
    const sql = sqlOn(em);
    const row = await lockReceived(sql, inboxId);
    if (!row) return null;
    const event = decodeEvent(row.event);
    const reason = `${error.code}: ${error.message}`.slice(0, 400);
    const outcome: Outcome = {
      status: 'EXCEPTION',
      note: reason,
      exception: {
        ...referenceOf(row, event),
        kind: 'NOTIFY_MISMATCH',
        severity: 'HIGH',
        reason,
        figures: [],
      },
    };
    await this.finish(em, row, event, outcome);
    return outcome.status;
  }

  private async decide(em: EntityManager, row: InboxRow, event: ProviderNotificationEvent): Promise<Outcome> {
    switch (event.type) {
      case 'REFUND_STATUS':
        return this.applyRefund(em, row, event);
      case 'PAYMENT_SUCCEEDED':
        return this.applyPayment(em, row, event);
      case 'INFORMATIONAL':
        return { status: 'IGNORED', note: event.description };
    }
  }

  private async applyRefund(em: EntityManager, row: InboxRow, event: RefundNotifyEvent): Promise<Outcome> {
    const found = await this.refunds.withPayment(event.refundId, em);
    if (!found) {
      return raise('UNKNOWN_REFUND', 'MEDIUM', 'refund', event.refundId, 'no refund with this id', []);
    }
    const figures = refundDisagreements(row.channel, event, refundFacts(found));
    if (figures.length > 0) {
      return raise(
        'NOTIFY_MISMATCH',
        'HIGH',
        'refund',
        event.refundId,
        'the notify disagrees with our refund',
        figures,
      );
    }
    const { changed, refund } = await this.refunds.transitionIn(
      em,
      event.refundId,
      {
        to: event.status,
        source: 'NOTIFY',
        providerRefundId: event.providerRefundId,
        settledBy: event.status === 'SUCCEEDED' ? 'PROVIDER' : undefined,
        detail: { notifyId: row.notifyId },
      },
      SYSTEM_WORKER,
      found.refund,
    );
    return changed
      ? { status: 'APPLIED', note: `refund ${refund.id} is now ${refund.status}` }
      : {
          status: 'IGNORED',
          note: `refund ${refund.id} is ${refund.status}: ${event.status} changes nothing`,
        };
  }

  private async applyPayment(em: EntityManager, row: InboxRow, event: PaymentNotifyEvent): Promise<Outcome> {
    const order = await this.payments.findOrderByOutTradeNo(row.channel, event.outTradeNo);
    if (!order) {
      return raise(
        'UNKNOWN_PAYMENT',
        'MEDIUM',
        'payment',
        event.outTradeNo,
        'no order expects this payment',
        [],
      );
    }
    const recorded = await this.payments.findPaymentByOutTradeNo(row.channel, event.outTradeNo);
    const figures = paymentDisagreements(
      event,
      { totalMinor: order.total.amountMinor, currency: order.total.currency },
      recorded && {
        amountMinor: recorded.amount.amountMinor,
        currency: recorded.amount.currency,
        providerTransactionId: recorded.providerTransactionId,
      },
    );
    if (figures.length > 0) {
      return raise(
        'NOTIFY_MISMATCH',
        'HIGH',
        'order',
        order.id,
        'the payment notify disagrees with the order',
        figures,
      );
    }
    const { replayed, payment } = await this.payments.recordPaymentIn(
      em,
      {
        orderId: order.id,
        channel: row.channel,
        outTradeNo: event.outTradeNo,
        providerTransactionId: event.providerTransactionId,
        amount: money(event.amountMinor, event.currency),
        capturedAt: event.paidAt,
      },
      SYSTEM_WORKER,
      'NOTIFY',
    );
    return replayed
      ? { status: 'IGNORED', note: `payment ${payment.id} was already recorded` }
      : { status: 'APPLIED', note: `payment ${payment.id} recorded` };
  }

  private async finish(
    em: EntityManager,
    row: InboxRow,
    event: ProviderNotificationEvent,
    outcome: Outcome,
  ): Promise<void> {
    await sqlOn(em).prepared(
      `update provider_notification set status = $2, processed_at = now(), outcome = $3 where id = $1`,
      [row.id, outcome.status, outcome.note.slice(0, 500)],
    );
    const log = {
      inboxId: String(row.id),
      channel: row.channel,
      eventType: event.type,
      status: outcome.status,
    };
    if (outcome.status !== 'EXCEPTION') {
      this.logger.info(log, 'notify applied');
      return;
    }
    const e = outcome.exception;
    const detail: NotifyExceptionDetail = {
      reason: e.reason,
      inboxId: String(row.id),
      notifyId: row.notifyId,
      eventType: event.type,
      figures: e.figures,
    };
    await this.exceptions.raiseIn(em, {
      kind: e.kind,
      severity: e.severity,
      channel: row.channel,
      referenceType: e.referenceType,
      referenceId: e.referenceId,
      detail,
    });
    this.logger.warn(
      { ...log, kind: e.kind, severity: e.severity },
      'notify not applied: ops exception raised',
    );
  }
}

function raise(
  kind: NotifyExceptionKind,
  severity: ExceptionSeverity,
  referenceType: RaisedException['referenceType'],
  referenceId: string,
  reason: string,
  figures: readonly ExceptionFigure[],
): Outcome {
  return {
    status: 'EXCEPTION',
    note: `${kind}: ${reason}`,
    exception: { kind, severity, referenceType, referenceId, reason, figures },
  };
}

function referenceOf(
  row: InboxRow,
  event: ProviderNotificationEvent,
): Pick<RaisedException, 'referenceType' | 'referenceId'> {
  switch (event.type) {
    case 'REFUND_STATUS':
      return { referenceType: 'refund', referenceId: event.refundId };
    case 'PAYMENT_SUCCEEDED':
      return { referenceType: 'payment', referenceId: event.outTradeNo };
    case 'INFORMATIONAL':
      return { referenceType: 'notify', referenceId: row.notifyId };
  }
}

async function lockReceived(sql: Sql, inboxId: string): Promise<InboxRow | null> {
  const [row] = await sql.prepared<InboxRow>(
    `select id, channel, notify_id as "notifyId", event, status from provider_notification where id = $1 for update`,
    [inboxId],
  );
  return row && row.status === 'RECEIVED' ? row : null;
}

/** Our refund and its payment, as the notify matching compares them. */
function refundFacts({ refund, payment }: RefundPayment): RefundFacts {
  return {
    channel: refund.channel,
    amountMinor: refund.amount.amountMinor,
    currency: refund.amount.currency,
    providerRefundId: refund.providerRefundId,
    outTradeNo: payment.outTradeNo,
    providerTransactionId: payment.providerTransactionId,
    paymentAmountMinor: payment.amount.amountMinor,
  };
}
