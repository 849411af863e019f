/** Shared test wiring: simulator + real adapter + a loopback notify receiver that uses the adapter. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimClock, type SimClock } from '../../src/simulators/shared/clock.js';
import { listenLoopback, type LoopbackServer } from '../../src/simulators/shared/http.js';
import { wechatPayAdapterConfig } from '../../src/simulators/adapter-config.js';
import {
  startWechatPaySimulator,
  type StartedWechatPaySimulator,
  type WechatPaySimulatorOptions,
} from '../../src/simulators/wechatpay/index.js';
import { ProviderError, type VerifiedNotification } from '../../src/providers/payment-provider.js';
import {
  createWechatPayProvider,
  type WechatPayProvider,
  type WechatPayProviderConfig,
} from '../../src/providers/wechatpay/index.js';

/** One key dir per test file: keys are generated once and reloaded by later starts (persistence path). */
export const sharedDataDir = mkdtempSync(join(tmpdir(), 'wx-sim-'));

export interface ReceivedNotify {
  readonly ok: boolean;
  readonly code: string | undefined;
  readonly notification: VerifiedNotification | undefined;
}

export interface Harness {
  readonly started: StartedWechatPaySimulator;
  readonly provider: WechatPayProvider;
  readonly clock: SimClock;
  readonly notifyUrl: string;
  readonly received: ReceivedNotify[];
  /** Answer 500 to the next n verified notifies (to exercise retries). */
  /** The next `n` notifies (only those of refund `refundId`, when given) are answered 500. */
  failNext(n: number, refundId?: string): void;
  close(): Promise<void>;
}

export const START = new Date('2024-05-01T12:00:00+08:00');

export function providerConfig(
  s: StartedWechatPaySimulator,
  overrides: Partial<WechatPayProviderConfig> = {},
): WechatPayProviderConfig {
  return {
    ...wechatPayAdapterConfig(s),
    timeoutMs: 800,
    ...overrides,
  };
}

export async function startHarness(
  options: WechatPaySimulatorOptions = {},
  configOverrides: Partial<WechatPayProviderConfig> = {},
): Promise<Harness> {
  const clock = options.clock ?? createSimClock({ start: START, frozen: true });
  const received: ReceivedNotify[] = [];
  let failures = 0;
  let failuresFor: string | undefined;
  const ref: { provider?: WechatPayProvider } = {};
  const receiver: LoopbackServer = await listenLoopback(async (req, res) => {
    try {
      const notification = await (ref.provider as WechatPayProvider).verifyNotification(
        { headers: req.headers, rawBody: req.rawBody },
        new Date(),
      );
      const event = notification.event;
      const targeted =
        failuresFor === undefined || (event.type === 'REFUND_STATUS' && event.refundId === failuresFor);
      const fail = failures > 0 && targeted;
      if (fail) failures -= 1;
      received.push({ ok: !fail, code: fail ? 'FORCED_FAIL' : undefined, notification });
      const reply = (ref.provider as WechatPayProvider).acknowledge(!fail);
      res.writeHead(fail ? 500 : reply.status, reply.headers).end(reply.body);
    } catch (err) {
      received.push({
        ok: false,
        code: err instanceof ProviderError ? err.code : 'ERROR',
        notification: undefined,
      });
      const reply = (ref.provider as WechatPayProvider).acknowledge(false);
      res.writeHead(reply.status, reply.headers).end(reply.body);
    }
  });
  const notifyUrl = `${receiver.url}/wx/notify`;
  const started = await startWechatPaySimulator({
    port: 0,
    dataDir: sharedDataDir,
    clock,
    notify: { timeCompression: 1000, ackTimeoutMs: 1000 },
    refundLifecycle: { mode: 'auto', afterMs: 60_000 },
    ...options,
  });
  const provider = createWechatPayProvider(providerConfig(started, { notifyUrl, ...configOverrides }));
  ref.provider = provider;
  return {
    started,
    provider,
    clock,
    notifyUrl,
    received,
    failNext: (n, refundId) => {
      failures = n;
      failuresFor = refundId;
    },
    async close() {
      await started.close();
      await receiver.close();
    },
  };
}

let seq = 0;
/** Unique ids per test so one simulator can serve several cases. */
export function ids(prefix: string): { outTradeNo: string; refundId: string } {
  seq += 1;
  return { outTradeNo: `T${prefix}${seq}`, refundId: `R${prefix}${seq}` };
}

export async function expectProviderError(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProviderError) return err;
    throw err;
  }
  throw new Error('expected a ProviderError');
}

export async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
