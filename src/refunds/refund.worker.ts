import type { Job } from 'pg-boss';
import { SYSTEM_WORKER } from '../audit/index.js';
import { sqlOnPool, type Orm } from '../db/index.js';
import type { JobDefinition } from '../jobs/index.js';
import type { Logger } from '../logging/index.js';
import {
  ProviderError,
  type Channel,
  type ProviderRefundRequest,
  type ProviderRefundResult,
  type ProviderRegistry,
} from '../providers/index.js';
import type { TransitionSource } from './refund.state.js';
import { pollQueue, submitQueue, type JobSender } from './refund.jobs.js';
import { RateLimiter } from './refund.rate-limit.js';
import {
  PAYMENT_FACTS_COLUMNS,
  refundColumns,
  toRefundPayment,
  type PaymentFacts,
  type RefundRow,
} from './refund.mapping.js';
import type { RefundPayment, RefundView } from './refund.model.js';
import type { RefundService } from './refund.service.js';

export const SWEEP_REFUNDS = 'refunds.sweep';

export interface RefundWorkerSettings {
  /** How long a worker owns a submission; must exceed the provider timeout. */
  readonly leaseMs: number;
  /** First poll of a PROCESSING refund (WeChat ~60 s; Alipay not sooner than 10 s). */
  readonly firstPollDelayMs: Readonly<Record<Channel, number>>;
  readonly maxPollDelayMs: number;
  /** PENDING refunds untouched this long are re-submitted by the sweeper. */
  readonly staleAfterMs: number;
  readonly sweepIntervalMs: number;
  /** Our notify endpoint per channel, sent with WeChat refunds. */
  readonly notifyUrl: Readonly<Partial<Record<Channel, string>>>;
  /** Provider calls in flight at once, per provider (each of its queues), in this process. */
  readonly concurrencyPerProvider: number;
  /** Refund submissions started per second, per provider, in this process (WeChat: 150). */
  readonly submitsPerSecond: Readonly<Record<Channel, number>>;
}

const CHANNELS: readonly Channel[] = ['WECHAT_PAY', 'ALIPAY'];

/**
 * The claim: the lease on a PENDING refund, with what the provider needs of its payment (the payments
 * module's `payment_provider_facts`), in one statement.
 */
const CLAIM = `with claimed as (
    update refund r
       set lease_until = now() + make_interval(secs => $2 / 1000.0), attempts = r.attempts + 1,
           submitted_at = coalesce(r.submitted_at, now()), updated_at = now()
     where r.id = $1 and r.status = 'PENDING' and (r.lease_until is null or r.lease_until < now())
    returning r.*)
  select ${refundColumns('c.')}, ${PAYMENT_FACTS_COLUMNS}
    from claimed c cross join lateral payment_provider_facts(c.payment_id) f`;

/**
 * Moves refunds through the providers. Never holds a database transaction across a provider call:
 * claim (short transaction) → call → apply the outcome (short transaction). A crash in between is
 * recovered by the lease expiring and the same refund number being sent again, which the provider
 * treats as the same refund.
 */
export class RefundWorker {
  private sweeper: NodeJS.Timeout | undefined;
  private readonly submitLimits: ReadonlyMap<Channel, RateLimiter>;

  constructor(
    private readonly orm: Orm,
    private readonly refunds: RefundService,
    private readonly providers: ProviderRegistry,
    private readonly jobs: JobSender,
    private readonly settings: RefundWorkerSettings,
    private readonly logger: Logger,
  ) {
    this.submitLimits = new Map(
      CHANNELS.map((channel) => [channel, new RateLimiter(settings.submitsPerSecond[channel])]),
    );
  }

  /**
   * Each provider has its own submit and poll queues, worked one job at a time by
   * `concurrencyPerProvider` independent slots: a slow or hung call holds one slot of its provider,
   * never a batch of other refunds, never the other provider. NOTIFY wakes a slot for a new job;
   * the idle poll only finds delayed jobs (first polls), so it can be slow.
   */
  jobDefinitions(): JobDefinition[] {
    const work = {
      batchSize: 1,
      localConcurrency: this.settings.concurrencyPerProvider,
      pollingIntervalSeconds: 2,
      notifyPollingIntervalSeconds: 5,
    };
    return [
      ...CHANNELS.flatMap((channel) => this.channelJobs(channel, work)),
      { name: SWEEP_REFUNDS, cron: '* * * * *', handle: async () => void (await this.sweep()) },
    ];
  }

  private channelJobs(channel: Channel, work: JobDefinition['work']): JobDefinition[] {
    return [
      {
        name: submitQueue(channel),
        work,
        // Unknown outcomes are retried with backoff and the same refund number; the sweeper takes over
        // after the retries run out. A job left active by a crash (worker or database) expires, and is
        // retried, once the lease it may hold has run out: no sooner (the claim would refuse it), no later.
        queue: {
          retryLimit: 12,
          retryDelay: 1,
          retryBackoff: true,
          retryDelayMax: 300,
          expireInSeconds: this.leaseSeconds(),
        },
        handle: (job) => this.submit((job as Job<{ refundId: string }>).data.refundId),
      },
      {
        name: pollQueue(channel),
        work,
        queue: { retryLimit: 5, retryDelay: 5, retryBackoff: true, expireInSeconds: this.leaseSeconds() },
        handle: (job) => {
          const data = (job as Job<{ refundId: string; attempt?: number }>).data;
          return this.poll(data.refundId, data.attempt ?? 0);
        },
      },
    ];
  }

  /** A timer sweep as well as the cron one, so a killed worker's refunds resume within seconds. */
  startSweeper(): void {
    this.sweeper ??= setInterval(() => {
      this.sweep().catch((error: unknown) => this.logger.error({ err: error }, 'refund sweep failed'));
    }, this.settings.sweepIntervalMs);
    this.sweeper.unref();
  }

  stopSweeper(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  async submit(refundId: string): Promise<void> {
    const claimed = await this.claim(refundId);
    if (!claimed) return; // not PENDING any more, or another worker holds it
    const { refund } = claimed;
    const provider = this.providers.get(refund.channel);
    let result: ProviderRefundResult;
    try {
      await this.submitLimits.get(refund.channel)?.acquire();
      result = await provider.refund(this.providerRequest(claimed));
    } catch (error) {
      await this.submitFailed(refund, error);
      return;
    }
    await this.apply(refund, result, 'SUBMIT_RESPONSE');
  }

  async poll(refundId: string, attempt: number): Promise<void> {
    const found = await this.refunds.withPayment(refundId);
    if (!found) return;
    const { refund, payment } = found;
    if (refund.status !== 'PROCESSING' && refund.status !== 'PENDING') return;
    const provider = this.providers.get(refund.channel);
    const lookup = {
      refundId,
      outTradeNo: payment.outTradeNo,
      providerTransactionId: payment.providerTransactionId ?? undefined,
    };
    let result: ProviderRefundResult | null;
    try {
      result = await provider.queryRefund(lookup);
    } catch (error) {
      if (error instanceof ProviderError && error.retryable) return this.schedulePoll(refund, attempt + 1);
      throw error;
    }
    if (result === null) {
      // The provider has no such refund: the submission never arrived. Send it again, same number.
      await sqlOnPool(this.orm).rows(
        `update refund set lease_until = null where id = $1 and status = 'PENDING'`,
        [refundId],
      );
      if (refund.status === 'PENDING') await this.jobs.send(submitQueue(refund.channel), { refundId });
      else await this.submitAgain(found);
      return;
    }
    await this.apply(refund, result, 'POLL');
    if (result.status === 'PROCESSING') await this.schedulePoll(refund, attempt + 1);
  }

  /** Re-enqueues what fell through the cracks: crashed submissions, polls that stopped. */
  async sweep(): Promise<number> {
    const sql = sqlOnPool(this.orm);
    const stale = await sql.rows<{ id: string; status: string; channel: Channel }>(
      `select id, status, channel from refund
        where (status = 'PENDING' and (lease_until is null or lease_until < now())
               and updated_at < now() - make_interval(secs => $1 / 1000.0))
           or (status = 'PROCESSING' and updated_at < now() - make_interval(secs => $2 / 1000.0))
        order by updated_at limit 500`,
      [this.settings.staleAfterMs, this.settings.maxPollDelayMs * 2],
    );
    for (const row of stale) {
      await sql.rows(`update refund set updated_at = now() where id = $1`, [row.id]);
      const queue = row.status === 'PENDING' ? submitQueue(row.channel) : pollQueue(row.channel);
      await this.jobs.send(queue, { refundId: row.id });
    }
    if (stale.length > 0) this.logger.info({ count: stale.length }, 'sweeper re-enqueued refunds');
    return stale.length;
  }

  /** Short transaction: take the lease on a PENDING refund (or find that someone else has it). */
  private async claim(refundId: string): Promise<RefundPayment | undefined> {
    const [row] = await sqlOnPool(this.orm).prepared<RefundRow & PaymentFacts>(CLAIM, [
      refundId,
      this.settings.leaseMs,
    ]);
    return row && toRefundPayment(row);
  }

  private async submitFailed(claimed: RefundView, error: unknown): Promise<void> {
    const code = error instanceof ProviderError ? error.code : 'UNEXPECTED';
    const message = error instanceof Error ? error.message.slice(0, 500) : 'unknown error';
    if (error instanceof ProviderError && !error.retryable) {
      // The reason first, so whoever sees the refund FAILED also sees why.
      // Only while no later submission has been claimed: this call may have outlived its lease, and the
      // provider may have accepted the later one (found by the simulator under load).
      await this.recordError(claimed, code, message, false);
      await this.refunds.transition(
        claimed.id,
        {
          to: 'FAILED',
          source: 'SUBMIT_RESPONSE',
          detail: { code, providerCode: error.providerCode ?? null, message },
          onlyForAttempt: claimed.attempts,
        },
        SYSTEM_WORKER,
        claimed,
      );
      return;
    }
    // Unknown outcome: stay PENDING, release the lease, let the job retry with the same number.
    await this.recordError(claimed, code, message, true);
    this.logger.warn(
      { refundId: claimed.id, code, attempt: claimed.attempts },
      'refund submission outcome unknown; will retry',
    );
    throw error instanceof Error ? error : new Error(message);
  }

  /**
   * The submission's error, and its lease released when asked, only while it is the refund's latest
   * submission: a stale one neither frees a later claim's lease nor overwrites its outcome.
   */
  private async recordError(
    claimed: RefundView,
    code: string,
    message: string,
    releaseLease: boolean,
  ): Promise<void> {
    await sqlOnPool(this.orm).rows(
      `update refund set last_error_code = $2, last_error_message = $3,
              lease_until = case when $4::boolean then null else lease_until end
        where id = $1 and attempts = $5`,
      [claimed.id, code, message, releaseLease, claimed.attempts],
    );
  }

  /** PROCESSING at our side but unknown at the provider (Alipay: not refunded yet): same number again. */
  private async submitAgain(found: RefundPayment): Promise<void> {
    const { refund } = found;
    await this.submitLimits.get(refund.channel)?.acquire();
    const result = await this.providers.get(refund.channel).refund(this.providerRequest(found));
    await this.apply(refund, result, 'POLL');
    if (result.status === 'PROCESSING') await this.schedulePoll(refund, 1);
  }

  /** The refund as the provider sees it; the refund id is the provider's refund number, always. */
  private providerRequest({ refund, payment }: RefundPayment): ProviderRefundRequest {
    return {
      refundId: refund.id,
      outTradeNo: payment.outTradeNo,
      providerTransactionId: payment.providerTransactionId ?? undefined,
      amountMinor: refund.amount.amountMinor,
      paymentTotalMinor: payment.amount.amountMinor,
      currency: refund.amount.currency,
      reason: refund.reason,
      notifyUrl: this.settings.notifyUrl[refund.channel],
    };
  }

  /** The provider's answer as a transition; a refund that became PROCESSING on submission gets its first poll. */
  private async apply(
    refund: RefundView,
    result: ProviderRefundResult,
    source: TransitionSource,
  ): Promise<void> {
    await this.refunds.transition(
      refund.id,
      {
        to: result.status,
        source,
        providerRefundId: result.providerRefundId,
        settledBy: result.status === 'SUCCEEDED' ? 'PROVIDER' : undefined,
        detail: { providerStatus: result.status, providerRefundId: result.providerRefundId },
        followUp:
          source === 'SUBMIT_RESPONSE'
            ? {
                queue: pollQueue(refund.channel),
                data: { refundId: refund.id, attempt: 0 },
                delaySeconds: this.firstPollDelaySeconds(refund.channel),
              }
            : undefined,
      },
      SYSTEM_WORKER,
      refund,
    );
  }

  private async schedulePoll(refund: RefundView, attempt: number): Promise<void> {
    const first = this.settings.firstPollDelayMs[refund.channel];
    const delayMs = Math.min(first * 2 ** attempt, this.settings.maxPollDelayMs);
    await this.jobs.send(
      pollQueue(refund.channel),
      { refundId: refund.id, attempt },
      { startAfter: Math.max(1, Math.ceil(delayMs / 1000)) },
    );
  }

  private leaseSeconds(): number {
    return Math.max(1, Math.ceil(this.settings.leaseMs / 1000));
  }

  private firstPollDelaySeconds(channel: Channel): number {
    return Math.max(1, Math.ceil(this.settings.firstPollDelayMs[channel] / 1000));
  }
}
