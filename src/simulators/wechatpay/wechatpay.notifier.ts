/**
 * Notify delivery (PROTOCOLS A3): encrypt the resource with the APIv3 key, sign `ts\nnonce\nbody\n`,
 * POST to the notify URL, count 2xx within the ack timeout as acknowledged, otherwise retry on the real
 * schedule divided by a time-compression factor. Faults: drop, delay, duplicate, SIGNTEST probe,
 * forged signature and corrupted ciphertext (the last three are sent first, and the merchant is
 * expected to reject them; a proper delivery follows).
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { FaultEngine, FaultKind } from '../shared/index.js';
import {
  corruptCiphertext,
  gcmEncrypt,
  randomNonce32,
  responseMessage,
  rsaSign,
  AUTH_SCHEME,
  SIGNTEST_PREFIX,
} from './wechatpay-crypto.js';
import { rfc3339Shanghai } from './wechatpay-time.js';

/** 15s,15s,30s,3m,10m,20m,30m×3,60m,3h×3,6h×2 (A3.6). */
export const WECHAT_RETRY_SCHEDULE_MS: readonly number[] = [
  15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
].map((s) => s * 1000);

export type AttemptVariant = 'normal' | 'probe' | 'forged' | 'corrupt' | 'duplicate' | 'replay';

export interface DeliveryAttempt {
  readonly n: number;
  /** Simulated time of the attempt. */
  readonly at: Date;
  /** Wall-clock time (retries are spaced in real, compressed time). */
  readonly realAt: Date;
  readonly variant: AttemptVariant;
  readonly serial: string;
  readonly status: number | null;
  readonly error: string | null;
  readonly acknowledged: boolean;
  readonly elapsedMs: number;
}

export interface NotifyDelivery {
  readonly deliveryId: string;
  /** Envelope `id`, reused on every retry of the event. */
  readonly notifyId: string;
  readonly eventType: string;
  readonly url: string;
  readonly outTradeNo: string;
  readonly outRefundNo: string | undefined;
  readonly createdAt: Date;
  state: 'pending' | 'held' | 'acknowledged' | 'dropped' | 'failed';
  readonly attempts: DeliveryAttempt[];
  /** True when the merchant acknowledged a probe / forged / corrupted notify (a merchant bug). */
  taintedAccepted: boolean;
  readonly faults: readonly FaultKind[];
}

export interface NotifyEvent {
  readonly eventType: string;
  readonly summary: string;
  readonly originalType: 'refund' | 'transaction';
  readonly resource: Record<string, unknown>;
  readonly url: string;
  readonly outTradeNo: string;
  readonly outRefundNo?: string | undefined;
}

export interface NotifySigner {
  readonly serial: string;
  readonly privateKeyPem: string;
}

export interface NotifierOptions {
  readonly apiV3Key: string;
  readonly pickSigner: () => NotifySigner;
  readonly faults: FaultEngine;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly timeCompression: number;
  readonly ackTimeoutMs: number;
  readonly scheduleMs: readonly number[];
}

export interface Notifier {
  enqueue(event: NotifyEvent): NotifyDelivery;
  replay(deliveryId: string): Promise<DeliveryAttempt>;
  hold(): void;
  release(order: 'fifo' | 'reverse'): Promise<void>;
  list(): readonly NotifyDelivery[];
  /** Resolves when nothing is in flight or scheduled (held deliveries do not count). */
  idle(timeoutMs?: number): Promise<void>;
  close(): void;
}

interface Prepared {
  readonly delivery: NotifyDelivery;
  readonly body: string;
  readonly corruptBody: string;
}

export function createNotifier(opts: NotifierOptions): Notifier {
  const deliveries: NotifyDelivery[] = [];
  const prepared = new Map<string, Prepared>();
  const held: Prepared[] = [];
  const stop = new AbortController();
  let holding = false;
  let active = 0;
  let idleWaiters: (() => void)[] = [];
  let forgerKey: string | undefined;

  const forger = (): string => {
    forgerKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    return forgerKey;
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (stop.signal.aborted) return resolve();
      const t = setTimeout(resolve, ms);
      stop.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });

  const settle = (): void => {
    if (active > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  async function attempt(p: Prepared, variant: AttemptVariant): Promise<DeliveryAttempt> {
    const signer = opts.pickSigner();
    const body = variant === 'corrupt' ? p.corruptBody : p.body;
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = randomNonce32();
    const message = responseMessage(ts, nonce, body);
    const signature =
      variant === 'probe'
        ? `${SIGNTEST_PREFIX}${rsaSign(message, forger())}`
        : variant === 'forged'
          ? rsaSign(message, forger())
          : rsaSign(message, signer.privateKeyPem);
    const started = Date.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(p.delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'wechatpay-timestamp': ts,
          'wechatpay-nonce': nonce,
          'wechatpay-signature': signature,
          'wechatpay-serial': signer.serial,
          'wechatpay-signature-type': AUTH_SCHEME,
          'request-id': randomUUID(),
        },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(opts.ackTimeoutMs), stop.signal]),
      });
      status = res.status;
      await res.arrayBuffer();
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    const record: DeliveryAttempt = {
      n: p.delivery.attempts.length + 1,
      at: opts.now(),
      realAt: new Date(started),
      variant,
      serial: signer.serial,
      status,
      error,
      acknowledged: status !== null && status >= 200 && status < 300,
      elapsedMs: Date.now() - started,
    };
    p.delivery.attempts.push(record);
    opts.logger.debug(
      { deliveryId: p.delivery.deliveryId, eventType: p.delivery.eventType, variant, status, error },
      'wechatpay notify attempt',
    );
    return record;
  }

  async function run(p: Prepared): Promise<void> {
    const d = p.delivery;
    active += 1;
    try {
      if (d.faults.some((f) => f.kind === 'drop')) {
        d.state = 'dropped';
        return;
      }
      for (const f of d.faults) if (f.kind === 'delay') await sleep(f.ms);
      for (const variant of taintedVariants(d.faults)) {
        const a = await attempt(p, variant);
        if (a.acknowledged) d.taintedAccepted = true;
      }
      await deliverWithRetries(p);
      if (d.state === 'acknowledged') {
        const dup = d.faults.find((f) => f.kind === 'duplicate');
        for (let i = 0; dup && i < dup.count; i++) await attempt(p, 'duplicate');
      }
    } finally {
      active -= 1;
      settle();
    }
  }

  async function deliverWithRetries(p: Prepared): Promise<void> {
    for (let i = 0; i <= opts.scheduleMs.length; i++) {
      if (stop.signal.aborted) return;
      if ((await attempt(p, 'normal')).acknowledged) {
        p.delivery.state = 'acknowledged';
        return;
      }
      const waitMs = opts.scheduleMs[i];
      if (waitMs === undefined) break;
      await sleep(waitMs / opts.timeCompression);
    }
    p.delivery.state = 'failed';
  }

  return {
    enqueue(event) {
      const notifyId = randomUUID();
      const encrypted = gcmEncrypt(opts.apiV3Key, JSON.stringify(event.resource), event.originalType);
      const envelope = (resource: typeof encrypted) =>
        JSON.stringify({
          id: notifyId,
          create_time: rfc3339Shanghai(opts.now()),
          resource_type: 'encrypt-resource',
          event_type: event.eventType,
          summary: event.summary,
          resource: { original_type: event.originalType, ...resource },
        });
      const delivery: NotifyDelivery = {
        deliveryId: `dl-${deliveries.length + 1}`,
        notifyId,
        eventType: event.eventType,
        url: event.url,
        outTradeNo: event.outTradeNo,
        outRefundNo: event.outRefundNo,
        createdAt: opts.now(),
        state: holding ? 'held' : 'pending',
        attempts: [],
        taintedAccepted: false,
        faults: opts.faults.take('notify.deliver', event.outRefundNo ?? event.outTradeNo),
      };
      deliveries.push(delivery);
      const p: Prepared = {
        delivery,
        body: envelope(encrypted),
        corruptBody: envelope({ ...encrypted, ciphertext: corruptCiphertext(encrypted.ciphertext) }),
      };
      prepared.set(delivery.deliveryId, p);
      if (holding) held.push(p);
      else void run(p);
      return delivery;
    },
    async replay(deliveryId) {
      const p = prepared.get(deliveryId);
      if (!p) throw new Error(`unknown delivery '${deliveryId}'`);
      return attempt(p, 'replay');
    },
    hold() {
      holding = true;
    },
    async release(order) {
      holding = false;
      const batch = order === 'reverse' ? [...held].reverse() : [...held];
      held.length = 0;
      // Sequential so the merchant sees them in exactly this order.
      for (const p of batch) {
        p.delivery.state = 'pending';
        await run(p);
      }
    },
    list: () => deliveries,
    idle(timeoutMs = 10_000) {
      if (active === 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('notifier did not become idle')), timeoutMs);
        idleWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    },
    close() {
      stop.abort();
    },
  };
}

function taintedVariants(faults: readonly FaultKind[]): AttemptVariant[] {
  const out: AttemptVariant[] = [];
  for (const f of faults) {
    if (f.kind === 'signatureProbe') out.push('probe');
    if (f.kind === 'forgeSignature') out.push('forged');
    if (f.kind === 'corruptCiphertext') out.push('corrupt');
  }
  return out;
}
