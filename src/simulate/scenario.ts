/**
 * A scenario is a pure function of its seed: the orders, the refund commands (with duplicate and
 * conflicting idempotency keys), the provider faults each refund meets, and the schedule of worker
 * crashes, connection kills, clock jumps and notify reordering. Running it (`run-seed.ts`) adds real
 * concurrency on top, so the interleaving varies between runs; the schedule does not.
 */
import type { FaultKind } from '../simulators/index.js';
import { createPrng, type Prng } from './prng.js';

export type SimChannel = 'WECHAT_PAY' | 'ALIPAY';

export interface OrderPlan {
  readonly channel: SimChannel;
  readonly amountFen: number;
}

/** A fault rule for one refund, installed under its number once the command has created it. */
export interface RefundFault {
  readonly endpoint: string;
  readonly calls: readonly number[] | 'every';
  readonly fault: FaultKind;
}

export interface CommandPlan {
  /** Milliseconds after the start of the chaos phase. */
  readonly atMs: number;
  readonly order: number;
  readonly key: string;
  readonly amountFen: number;
  readonly faults: readonly RefundFault[];
}

export type EventPlan =
  | { readonly atMs: number; readonly kind: 'workerCrash'; readonly downMs: number }
  | { readonly atMs: number; readonly kind: 'killConnections' }
  | { readonly atMs: number; readonly kind: 'restartDatabase' }
  | { readonly atMs: number; readonly kind: 'clockJump'; readonly ms: number }
  | { readonly atMs: number; readonly kind: 'releaseNotifies'; readonly order: 'fifo' | 'reverse' };

export interface Scenario {
  readonly seed: number;
  readonly orders: readonly OrderPlan[];
  readonly commands: readonly CommandPlan[];
  readonly events: readonly EventPlan[];
  /** WeChat holds its notifies from the start until a `releaseNotifies` event (reordering). */
  readonly holdWechatNotifies: boolean;
  /** Virtual milliseconds a WeChat refund stays PROCESSING. */
  readonly wechatProcessingMs: number;
  /** Virtual milliseconds an Alipay refund stays PROCESSING (0: settles in the response). */
  readonly alipayProcessingMs: number;
  /** What support does with a refund still ABNORMAL once everything else settled. */
  readonly abnormalResolution: 'SETTLE_MANUALLY' | 'CLOSE';
  readonly chaosMs: number;
}

/** Longer than the provider timeout the simulator runs with, so a hang is a timeout. */
export const HANG_MS = 1_000;

export function generateScenario(seed: number): Scenario {
  const rng = createPrng(seed);
  const chaosMs = rng.int(800, 2_000);
  const orders: OrderPlan[] = Array.from({ length: rng.int(2, 6) }, () => ({
    channel: rng.chance(0.5) ? 'WECHAT_PAY' : 'ALIPAY',
    amountFen: rng.int(1, 400) * 50,
  }));
  const commands = orders.flatMap((order, index) => commandsFor(rng, order, index, chaosMs));
  commands.sort((a, b) => a.atMs - b.atMs);
  const events: EventPlan[] = [];
  const holdWechatNotifies = rng.chance(0.3);
  if (holdWechatNotifies)
    events.push({ atMs: rng.int(0, chaosMs), kind: 'releaseNotifies', order: rng.pick(['fifo', 'reverse']) });
  for (let i = rng.int(0, 2); i > 0; i--)
    events.push({ atMs: rng.int(0, chaosMs), kind: 'workerCrash', downMs: rng.int(50, 800) });
  for (let i = rng.int(0, 2); i > 0; i--) events.push({ atMs: rng.int(0, chaosMs), kind: 'killConnections' });
  for (let i = rng.int(0, 2); i > 0; i--)
    events.push({
      atMs: rng.int(0, chaosMs),
      kind: 'clockJump',
      ms: rng.pick([60_000, 3_600_000, 86_400_000]),
    });
  if (rng.chance(0.15)) events.push({ atMs: rng.int(0, chaosMs), kind: 'restartDatabase' });
  events.sort((a, b) => a.atMs - b.atMs);
  return {
    seed,
    orders,
    commands,
    events,
    holdWechatNotifies,
    wechatProcessingMs: rng.int(0, 8) * 1_000,
    alipayProcessingMs: rng.chance(0.5) ? 0 : rng.int(1, 8) * 1_000,
    abnormalResolution: rng.chance(0.5) ? 'SETTLE_MANUALLY' : 'CLOSE',
    chaosMs,
  };
}

/** Distinct keys (partials that may over-subscribe the payment), then replays and conflicting reuses. */
function commandsFor(rng: Prng, order: OrderPlan, index: number, chaosMs: number): CommandPlan[] {
  const commands: CommandPlan[] = [];
  for (let i = rng.int(1, 4); i > 0; i--) {
    const amountFen = rng.chance(0.2) ? order.amountFen : rng.int(1, order.amountFen);
    commands.push({
      atMs: rng.int(0, chaosMs),
      order: index,
      key: `refund-key-${index}-${commands.length}`,
      amountFen,
      faults: refundFaults(rng, order.channel),
    });
  }
  for (let i = rng.int(0, 3); i > 0; i--) {
    const original = rng.pick(commands);
    const conflicting = rng.chance(0.3);
    commands.push({
      ...original,
      atMs: rng.chance(0.5) ? original.atMs : rng.int(0, chaosMs),
      amountFen: conflicting ? Math.max(1, original.amountFen - 1) : original.amountFen,
    });
  }
  return commands;
}

function refundFaults(rng: Prng, channel: SimChannel): RefundFault[] {
  const faults: RefundFault[] = [];
  const submit = channel === 'WECHAT_PAY' ? 'refund.create' : 'alipay.trade.refund';
  const query = channel === 'WECHAT_PAY' ? 'refund.query' : 'alipay.trade.fastpay.refund.query';
  if (rng.chance(0.6)) {
    const kinds = channel === 'WECHAT_PAY' ? WECHAT_SUBMIT_FAULTS : ALIPAY_SUBMIT_FAULTS;
    // Business refusals only on the first call: the simulators answer them before looking up an
    // earlier submission of the same number, which no provider does.
    const fault = rng.pick(kinds);
    const first = BEFORE_LOOKUP.has(fault.kind) || fault.kind === 'forceStatus';
    faults.push({ endpoint: submit, calls: first ? [1] : rng.pick([[1], [1, 2], [2]]), fault });
  }
  if (rng.chance(0.3))
    faults.push({ endpoint: query, calls: rng.pick([[1], [1, 2]]), fault: rng.pick(QUERY_FAULTS) });
  if (rng.chance(0.4))
    faults.push({
      endpoint: 'notify.deliver',
      calls: rng.pick([[1], 'every']),
      fault: rng.pick(NOTIFY_FAULTS),
    });
  return faults;
}

const BEFORE_LOOKUP: ReadonlySet<FaultKind['kind']> = new Set([
  'insufficientBalance',
  'userAccountAbnormal',
  'rateLimited',
]);

const TRANSPORT_FAULTS: readonly FaultKind[] = [
  { kind: 'timeoutBeforeApply', hangMs: HANG_MS },
  { kind: 'timeoutAfterApply', hangMs: HANG_MS },
  { kind: 'connectionReset' },
  { kind: 'connectionReset', afterApply: true },
  { kind: 'systemErrorThenSuccess' },
  { kind: 'rateLimited' },
  { kind: 'insufficientBalance' },
  { kind: 'userAccountAbnormal' },
];

const WECHAT_SUBMIT_FAULTS: readonly FaultKind[] = [
  ...TRANSPORT_FAULTS,
  { kind: 'httpError', status: 500, code: 'SYSTEM_ERROR', message: '系统错误' },
  { kind: 'httpError', status: 503, code: 'SYSTEM_ERROR', message: '系统繁忙' },
  { kind: 'badResponseSignature' },
  { kind: 'forceStatus', status: 'ABNORMAL' },
  { kind: 'forceStatus', status: 'CLOSED' },
  { kind: 'forceStatus', status: 'PROCESSING' },
];

const ALIPAY_SUBMIT_FAULTS: readonly FaultKind[] = [
  ...TRANSPORT_FAULTS,
  { kind: 'httpError', status: 502, code: 'BAD_GATEWAY', message: 'bad gateway' },
  { kind: 'custom', name: 'systemErrorAfterApply', params: { code: 'ACQ.SYSTEM_ERROR' } },
  { kind: 'custom', name: 'systemErrorAfterApply', params: {} },
  { kind: 'custom', name: 'stuckProcessing', params: { ms: 5_000 } },
  { kind: 'forceStatus', status: 'PROCESSING' },
];

const QUERY_FAULTS: readonly FaultKind[] = [
  { kind: 'timeoutBeforeApply', hangMs: HANG_MS },
  { kind: 'httpError', status: 500, code: 'SYSTEM_ERROR', message: '系统错误' },
  { kind: 'connectionReset' },
  { kind: 'systemErrorThenSuccess' },
];

const NOTIFY_FAULTS: readonly FaultKind[] = [
  { kind: 'drop' },
  { kind: 'duplicate', count: 2 },
  { kind: 'delay', ms: 300 },
  { kind: 'delay', ms: 1_500 },
];
