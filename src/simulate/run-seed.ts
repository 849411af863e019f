import { setTimeout as delay } from 'node:timers/promises';
import type { Actor } from '../audit/index.js';
import { isDatabaseUnavailable } from '../db/index.js';
import { DomainError } from '../errors/index.js';
import { money } from '../money/index.js';
import {
  acceptedNotifies,
  checkInvariants,
  type CommandOutcome,
  type SeedPayment,
  type Violation,
} from './invariants.js';
import type { CommandPlan, EventPlan, Scenario, SimChannel } from './scenario.js';
import { openWorld, type Environment, type World } from './world.js';
import { settlesWithin, watched } from './watch.js';

const ORDER_SYSTEM: Actor = { id: 'order-system', role: 'SERVICE' };
const SUPPORT: Actor = { id: 'simulate-agent', role: 'SUPPORT' };
/**
 * The schedule runs this many times faster than its offsets say: a command planned at 1,200 ms is
 * sent 600 ms into the chaos phase, a worker planned down for 400 ms stays down 200 ms. The seed's
 * commands, faults and events are the same; they land closer together.
 */
export const SCHEDULE_SPEEDUP = 2;
/** Virtual milliseconds the simulators' clock moves per real tick while a seed runs. */
const TICK_VIRTUAL_MS = 1_000;
const TICK_REAL_MS = 50 / SCHEDULE_SPEEDUP;
const SETTLE_TIMEOUT_MS = 45_000;
const CLIENT_RETRIES = 20;

export interface SeedResult {
  readonly seed: number;
  readonly violations: readonly Violation[];
  readonly refunds: number;
  readonly ms: number;
  readonly phasesMs?: Readonly<Record<string, number>>;
  /** Notifies the api acknowledged, per provider. */
  readonly notifiesAccepted?: Readonly<Record<SimChannel, number>>;
  /**
   * What the schedule performed, a line per command and event at its planned offset (in offset order):
   * the same for every run of the seed, whatever ran before it in the process.
   */
  readonly trace?: readonly string[];
}

/** A test-only corruption applied after settling, to prove the checker notices it. */
export type Sabotage = (world: World, payments: readonly SeedPayment[]) => Promise<void>;

export async function runSeed(
  env: Environment,
  scenario: Scenario,
  sabotage?: Sabotage,
  onPhase: (phase: string) => void = () => undefined,
): Promise<SeedResult> {
  const started = Date.now();
  onPhase('open');
  const world = await watched('openWorld', openWorld(env, scenario));
  const opened = Date.now();
  const ticker = setInterval(() => world.clock.advance(TICK_VIRTUAL_MS), TICK_REAL_MS);
  let result: Omit<SeedResult, 'ms' | 'phasesMs'>;
  const phasesMs: Record<string, number> = { open: opened - started, ...world.opening };
  try {
    onPhase('chaos');
    const payments = await watched('createPayments', createPayments(world, scenario));
    const performed: Performed[] = [];
    const outcomes = await chaos(world, scenario, payments, performed);
    clearInterval(ticker);
    phasesMs['chaos'] = Date.now() - opened;
    onPhase('settle');
    const stuck = await settle(world, scenario);
    phasesMs['settle'] = Date.now() - opened - phasesMs['chaos'];
    onPhase('check');
    if (sabotage) await sabotage(world, payments);
    const violations = [...stuck, ...(await checkInvariants(world, payments, outcomes))];
    result = {
      seed: scenario.seed,
      violations,
      refunds: outcomes.filter((o) => o.refundId).length,
      notifiesAccepted: acceptedNotifies(world),
      trace: [...performed]
        .sort((a, b) => a.atMs - b.atMs || a.planned - b.planned)
        .map((entry) => `+${entry.atMs} ms ${entry.line}`),
    };
  } finally {
    clearInterval(ticker);
    onPhase('close');
    const closing = Date.now();
    await world.close();
    phasesMs['close'] = Date.now() - closing;
  }
  return { ...result, ms: Date.now() - started, phasesMs };
}

async function createPayments(world: World, scenario: Scenario): Promise<SeedPayment[]> {
  const { payments } = world.api.services;
  const notifyBase = world.api.url ?? '';
  return Promise.all(
    scenario.orders.map(async (plan, i) => {
      const orderId = `o_${scenario.seed}_${i}`;
      const outTradeNo = `T${scenario.seed}x${i}`;
      const total = money(BigInt(plan.amountFen), 'CNY');
      await payments.reportOrder(
        {
          id: orderId,
          customerId: `c_${scenario.seed}_${i}`,
          merchantId: `m_${i % 3}`,
          total,
          deliveryStatus: 'DELIVERED',
          statusChangedAt: new Date(),
          paymentChannel: plan.channel,
          outTradeNo,
        },
        ORDER_SYSTEM,
      );
      const transactionId =
        plan.channel === 'WECHAT_PAY'
          ? world.wechat.sim.createPayment({ outTradeNo, amountFen: plan.amountFen }).transactionId
          : world.alipay.sim.createPayment({
              outTradeNo,
              amountFen: plan.amountFen,
              notifyUrl: `${notifyBase}/notify/alipay`,
            }).tradeNo;
      const recorded = await payments.recordPayment(
        {
          orderId,
          channel: plan.channel,
          outTradeNo,
          providerTransactionId: transactionId,
          amount: total,
          capturedAt: new Date(),
        },
        ORDER_SYSTEM,
        'SERVICE',
      );
      return {
        id: recorded.payment.id,
        outTradeNo,
        channel: plan.channel,
        amountFen: BigInt(plan.amountFen),
      };
    }),
  );
}

/**
 * A command or event once performed: its planned offset, its place in the scenario (commands first,
 * then events; the tie-breaker for equal offsets, whose timers may fire in either order) and its line.
 */
interface Performed {
  readonly atMs: number;
  readonly planned: number;
  readonly line: string;
}

/** Commands and events at their offsets, all concurrently; resolves when every one has run. */
async function chaos(
  world: World,
  scenario: Scenario,
  payments: readonly SeedPayment[],
  performed: Performed[],
): Promise<CommandOutcome[]> {
  const start = Date.now();
  const at = async (ms: number): Promise<void> => {
    const wait = start + ms / SCHEDULE_SPEEDUP - Date.now();
    if (wait > 0) await delay(wait);
  };
  const commands = scenario.commands.map(async (command, i) => {
    await at(command.atMs);
    performed.push({
      atMs: command.atMs,
      planned: i,
      line: `requestRefund ${command.key} order ${command.order} ${command.amountFen} fen${command.faults
        .map((f) => ` [${f.endpoint} ${JSON.stringify(f.calls)} ${JSON.stringify(f.fault)}]`)
        .join('')}`,
    });
    return issue(world, command, payments[command.order]!);
  });
  const events = scenario.events.map(async (event, i) => {
    await at(event.atMs);
    const { atMs, kind, ...details } = event;
    performed.push({
      atMs,
      planned: scenario.commands.length + i,
      line: `${kind} ${JSON.stringify(details)}`,
    });
    await watched(`event ${event.kind}`, perform(world, event));
  });
  const [outcomes] = await Promise.all([Promise.all(commands), Promise.all(events)]);
  return outcomes;
}

/**
 * One command, as a client sends it: an answer that says the database is unavailable (the GraphQL
 * layer's retryable SERVICE_UNAVAILABLE) is retried with the same key until it gets a real answer.
 */
async function issue(world: World, command: CommandPlan, payment: SeedPayment): Promise<CommandOutcome> {
  const base = { key: command.key, amountFen: BigInt(command.amountFen), paymentId: payment.id };
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await watched(
        `requestRefund ${command.key}`,
        world.api.services.refunds.requestRefund(
          {
            idempotencyKey: command.key,
            paymentId: payment.id,
            amount: money(BigInt(command.amountFen), 'CNY'),
            reason: 'simulated',
            liableParty: 'MERCHANT',
          },
          SUPPORT,
        ),
      );
      if (!result.replayed) {
        const sim = payment.channel === 'WECHAT_PAY' ? world.wechat.sim : world.alipay.sim;
        for (const rule of command.faults) sim.faults.add({ ...rule, id: result.refund.id });
      }
      return { ...base, refundId: result.refund.id, replayed: result.replayed, error: null };
    } catch (error) {
      if (isDatabaseUnavailable(error) && attempt < CLIENT_RETRIES) {
        await delay(50 * attempt);
        continue;
      }
      const code = error instanceof DomainError ? String(error.code) : errorText(error);
      return { ...base, refundId: null, replayed: false, error: code };
    }
  }
}

async function perform(world: World, event: EventPlan): Promise<void> {
  switch (event.kind) {
    case 'workerCrash':
      await world.crashWorker();
      await delay(event.downMs / SCHEDULE_SPEEDUP);
      await world.startWorker();
      return;
    case 'killConnections':
      await world.killConnections();
      return;
    case 'restartDatabase':
      await world.restartDatabase();
      return;
    case 'clockJump':
      world.clock.advance(event.ms);
      return;
    case 'releaseNotifies':
      // Released, not awaited: the batch is delivered one by one on WeChat's real-time retry schedule
      // (a notify the api cannot take yet is retried seconds, then minutes later); settling waits for it.
      world.releasing.push(world.wechat.sim.releaseNotifies(event.order));
      return;
    default: {
      const unreachable: never = event;
      throw new Error(`unknown event ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * Faults end, held notifies go out, the providers finish what they hold, and time runs until every
 * refund is final; support handles what stays ABNORMAL. Returns a violation when that never happens.
 */
async function settle(world: World, scenario: Scenario): Promise<Violation[]> {
  world.wechat.sim.clearFaults();
  world.alipay.sim.faults.clear();
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  await watched('settle: startWorker', world.startWorker());
  world.releasing.push(world.wechat.sim.releaseNotifies('fifo'));
  // Held notifies delivered, or the deadline: what is not delivered by then the refunds' polls find.
  await watched('settle: notifies', settlesWithin(deadline - Date.now(), Promise.all(world.releasing)));
  let handled = false;
  while (Date.now() < deadline) {
    world.clock.advance(5_000);
    finishStuckAtProviders(world);
    const open = await world.read<{ id: string; status: string }>(
      `select id, status from refund where status in ('PENDING', 'PROCESSING', 'ABNORMAL') order by id`,
    );
    if (open.length === 0) return [];
    if (!handled && open.every((r) => r.status === 'ABNORMAL')) {
      // Support's path: the provider could not pay these out; pay by other means, or close them.
      for (const refund of open)
        await watched('resolveAbnormal', resolveAbnormal(world, scenario, refund.id));
      handled = true;
      continue;
    }
    await delay(50);
  }
  const open = await world.read<{
    id: string;
    status: string;
    attempts: number;
    last_error_code: string | null;
  }>(
    `select id, status, attempts, last_error_code from refund where status in ('PENDING', 'PROCESSING', 'ABNORMAL')`,
  );
  return open.map((r) => ({
    invariant: 'settles',
    detail: `refund ${r.id} still ${r.status} (attempts ${r.attempts}, last error ${r.last_error_code ?? '-'})`,
  }));
}

/** Support pays it by other means, or closes it; a refund that moved on meanwhile is left alone. */
async function resolveAbnormal(world: World, scenario: Scenario, refundId: string): Promise<void> {
  const { refunds } = world.api.services;
  try {
    if (scenario.abnormalResolution === 'SETTLE_MANUALLY')
      await refunds.settleManually(refundId, 'paid by bank transfer', SUPPORT);
    else await refunds.closeRefund(refundId, 'customer declined', SUPPORT);
  } catch (error) {
    if (!(error instanceof DomainError && error.code === 'INVALID_TRANSITION')) throw error;
  }
}

/** Refunds a fault left PROCESSING at the provider for good are completed, as the provider eventually does. */
function finishStuckAtProviders(world: World): void {
  for (const refund of world.wechat.sim.listRefunds())
    if (refund.status === 'PROCESSING') world.wechat.sim.forceRefundStatus(refund.outRefundNo, 'SUCCESS');
  for (const refund of world.alipay.sim.refunds())
    if (refund.status === 'PROCESSING')
      world.alipay.sim.completeRefund(refund.outTradeNo, refund.outRequestNo);
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
