/**
 * Asynchronous `trade_status_sync` notifies (PROTOCOLS B2.5, C4): form-encoded POST to the payment's
 * notify_url, RSA2 over sorted k=v without sign/sign_type, constant notify_id, resent on Alipay's
 * schedule (time-compressed) until the body is exactly `success`.
 */
import type { Logger } from 'pino';
import type { FaultEngine, FaultKind, SimClock } from '../shared/index.js';
import { beijingDateTime, rsa2Sign, sortedParamString } from './alipay-wire.js';

/** Gaps between deliveries after the first one: 4m, 10m, 10m, 1h, 2h, 6h, 15h. */
export const ALIPAY_NOTIFY_RETRY_GAPS_MS: readonly number[] = [
  4 * 60_000,
  10 * 60_000,
  10 * 60_000,
  3600_000,
  2 * 3600_000,
  6 * 3600_000,
  15 * 3600_000,
];

export interface NotifyAttempt {
  readonly at: Date;
  readonly notifyTime: string;
  readonly forged: boolean;
  readonly httpStatus: number | null;
  readonly responseBody: string | null;
  readonly error: string | null;
  readonly acknowledged: boolean;
}

export interface NotifyDelivery {
  readonly notifyId: string;
  readonly url: string;
  readonly kind: 'payment' | 'refund';
  readonly outTradeNo: string;
  readonly outBizNo: string | undefined;
  readonly tradeStatus: string;
  readonly attempts: NotifyAttempt[];
  acknowledged: boolean;
  dropped: boolean;
  /** Params of the latest attempt, sign included. */
  lastParams: Record<string, string> | undefined;
}

export interface NotifierOptions {
  readonly clock: SimClock;
  readonly faults: FaultEngine;
  readonly privateKeyPem: string;
  /** A key that is NOT Alipay's, for forged-signature faults. */
  readonly forgeryKeyPem: string;
  /** Real-time divisor applied to the retry schedule (1 = real Alipay timing). */
  readonly timeCompression: number;
  readonly deliveryTimeoutMs: number;
  /** ⚠ Whether notify_time is refreshed on each resend (default) or kept from the first delivery. */
  readonly notifyTimeOnResend: 'attempt' | 'original';
  readonly log: Logger;
}

export interface NotifyRequest {
  readonly kind: 'payment' | 'refund';
  readonly url: string;
  readonly outTradeNo: string;
  readonly outBizNo: string | undefined;
  /** Business params, without notify_time / notify_id / sign / sign_type. */
  readonly params: Readonly<Record<string, string>>;
}

interface Pending {
  readonly delivery: NotifyDelivery;
  readonly params: Readonly<Record<string, string>>;
  readonly faults: readonly FaultKind[];
  firstNotifyTime: Date | undefined;
}

export class AlipayNotifier {
  private readonly deliveries = new Map<string, Pending>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly held = new Map<string, Pending[]>();
  private seq = 0;
  private closed = false;

  constructor(private readonly options: NotifierOptions) {}

  list(): readonly NotifyDelivery[] {
    return [...this.deliveries.values()].map((p) => p.delivery);
  }

  get(notifyId: string): NotifyDelivery | undefined {
    return this.deliveries.get(notifyId)?.delivery;
  }

  enqueue(request: NotifyRequest): NotifyDelivery {
    const notifyId = this.newNotifyId();
    const faults = this.options.faults.take('notify.deliver', request.outBizNo ?? request.outTradeNo);
    const delivery: NotifyDelivery = {
      notifyId,
      url: request.url,
      kind: request.kind,
      outTradeNo: request.outTradeNo,
      outBizNo: request.outBizNo,
      tradeStatus: request.params['trade_status'] ?? '',
      attempts: [],
      acknowledged: false,
      dropped: false,
      lastParams: undefined,
    };
    const pending: Pending = { delivery, params: request.params, faults, firstNotifyTime: undefined };
    this.deliveries.set(notifyId, pending);
    if (faults.some((f) => f.kind === 'drop')) {
      delivery.dropped = true;
      return delivery;
    }
    if (faults.some((f) => f.kind === 'custom' && f.name === 'reorder')) {
      this.hold(pending);
      return delivery;
    }
    const delay = faults.find((f) => f.kind === 'delay');
    this.startSchedule(pending, delay && delay.kind === 'delay' ? delay.ms : 0);
    return delivery;
  }

  /** Resend now, same notify_id (a duplicate from the client's point of view). */
  async replay(notifyId: string): Promise<NotifyAttempt | undefined> {
    const pending = this.deliveries.get(notifyId);
    if (!pending) return undefined;
    return this.attempt(pending, false);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private newNotifyId(): string {
    this.seq += 1;
    const ymd = beijingDateTime(this.options.clock.now()).slice(0, 10).replaceAll('-', '');
    return `${ymd}00222${String(Date.now()).slice(-9)}${String(this.seq).padStart(6, '0')}`;
  }

  /** Out-of-order fault: keep this notify until the next one for the same trade has gone out. */
  private hold(pending: Pending): void {
    const key = pending.delivery.outTradeNo;
    this.held.set(key, [...(this.held.get(key) ?? []), pending]);
    // Never hold forever: release after a while even if no later notify comes.
    this.later(() => this.release(key), 5_000);
  }

  private release(outTradeNo: string): void {
    const held = this.held.get(outTradeNo);
    if (!held) return;
    this.held.delete(outTradeNo);
    for (const p of held) this.startSchedule(p, 0);
  }

  private startSchedule(pending: Pending, initialDelayMs: number): void {
    const run = async (index: number): Promise<void> => {
      if (this.closed || pending.delivery.acknowledged) return;
      const forged = index === 0 && pending.faults.some((f) => f.kind === 'forgeSignature');
      await this.attempt(pending, forged);
      if (index === 0) {
        this.release(pending.delivery.outTradeNo);
        await this.duplicates(pending);
      }
      const gap = ALIPAY_NOTIFY_RETRY_GAPS_MS[index];
      if (gap === undefined || pending.delivery.acknowledged) return;
      this.later(() => void run(index + 1), gap / this.options.timeCompression);
    };
    this.later(() => void run(0), initialDelayMs);
  }

  private async duplicates(pending: Pending): Promise<void> {
    const dup = pending.faults.find((f) => f.kind === 'duplicate');
    const count = dup && dup.kind === 'duplicate' ? dup.count : 0;
    for (let i = 0; i < count; i += 1) await this.attempt(pending, false);
  }

  private later(fn: () => void, ms: number): void {
    if (this.closed) return;
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        fn();
      },
      Math.max(0, ms),
    );
    t.unref();
    this.timers.add(t);
  }

  private signedParams(pending: Pending, forged: boolean): Record<string, string> {
    // notify_time is the sending machine's wall-clock time, checked against the receiver's (±5 min):
    // like the gateway's request timestamps, it never follows the simulated business clock.
    const now = new Date();
    pending.firstNotifyTime ??= now;
    const stale = pending.faults.find((f) => f.kind === 'custom' && f.name === 'staleTime');
    const staleMs = stale && stale.kind === 'custom' ? Number(stale.params?.['ms'] ?? 3600_000) : 0;
    const base = this.options.notifyTimeOnResend === 'original' ? pending.firstNotifyTime : now;
    const params: Record<string, string> = {
      ...pending.params,
      notify_time: beijingDateTime(new Date(base.getTime() - staleMs)),
      notify_id: pending.delivery.notifyId,
      sign_type: 'RSA2',
    };
    const content = sortedParamString(params, ['sign', 'sign_type']);
    params['sign'] = rsa2Sign(content, forged ? this.options.forgeryKeyPem : this.options.privateKeyPem);
    return params;
  }

  private async attempt(pending: Pending, forged: boolean): Promise<NotifyAttempt> {
    const params = this.signedParams(pending, forged);
    pending.delivery.lastParams = params;
    const at = this.options.clock.now();
    let attempt: NotifyAttempt;
    try {
      const res = await fetch(pending.delivery.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(this.options.deliveryTimeoutMs),
      });
      const body = await res.text();
      // Only the literal 7 characters count.
      const acknowledged = res.status === 200 && body === 'success';
      attempt = {
        at,
        notifyTime: params['notify_time'] ?? '',
        forged,
        httpStatus: res.status,
        responseBody: body,
        error: null,
        acknowledged,
      };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      attempt = {
        at,
        notifyTime: params['notify_time'] ?? '',
        forged,
        httpStatus: null,
        responseBody: null,
        error,
        acknowledged: false,
      };
    }
    pending.delivery.attempts.push(attempt);
    // A client that "accepts" our forged delivery has a bug, but that must not stop the genuine resends.
    if (attempt.acknowledged && !forged) pending.delivery.acknowledged = true;
    this.options.log.debug(
      { notifyId: pending.delivery.notifyId, status: attempt.httpStatus, acknowledged: attempt.acknowledged },
      'alipay notify attempt',
    );
    return attempt;
  }
}
