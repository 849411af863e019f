/**
 * Interleaved measurement: short rounds of a benchmark's own load alternating with pgbench rounds on
 * the same server, so that background load on the machine hits both sides alike; CPU by role for both.
 */
import { Worker } from 'node:worker_threads';
import { addCpu, cpuMeter, reapedChildrenCpuMs, treeCpuMs, type CpuByRole } from './cpu.js';
import { line, parseTps, percentile, pgbench, type BenchServer } from './support.js';

/** How a benchmark part is run: clients per side, counted rounds, their length, the uncounted warm-up. */
export interface RoundPlan {
  readonly clients: number;
  readonly rounds: number;
  readonly roundSeconds: number;
  readonly warmupSeconds: number;
}

/** What one round of a part reports: latencies of the units of work done, failures, its own CPU. */
export interface PartOutput {
  readonly latenciesMs: number[];
  readonly failed: number;
  readonly seconds: number;
  /** CPU ms of the load generator's thread over the round. */
  readonly cpuMs: number;
}

export interface Result {
  readonly count: number;
  readonly failed: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** Mean of the pgbench rounds interleaved with this part. */
  readonly pgbenchTps: number;
  /** Per round: ours/s / pgbench TPS. */
  readonly rounds: string;
  /** CPU ms by role over the counted rounds. */
  readonly cpu: CpuByRole;
  /** CPU ms by role over the interleaved pgbench rounds, and their transactions. */
  readonly pgbenchCpu: CpuByRole;
  readonly pgbenchTransactions: number;
}

export const EMPTY: Result = {
  count: 0,
  failed: 0,
  perSecond: 0,
  p50: Number.NaN,
  p99: Number.NaN,
  pgbenchTps: Number.NaN,
  rounds: '',
  cpu: {},
  pgbenchCpu: {},
  pgbenchTransactions: 0,
};

export interface BaselineRound {
  readonly tps: number;
  readonly transactions: number;
  readonly cpu: CpuByRole;
}

/** A pgbench workload other than its built-in TPC-B-like one: a custom script (`-f`) and its options. */
export interface PgbenchScript {
  readonly label: string;
  readonly args: readonly string[];
}

/**
 * One pgbench round (TPC-B-like unless `script`, the same clients) on `database` of the same server
 * (TPC-B: its own database).
 */
export async function pgbenchRound(
  plan: RoundPlan,
  server: BenchServer,
  database: string,
  round: number,
  postgres: number | undefined,
  script?: PgbenchScript,
): Promise<BaselineRound> {
  line(
    `round ${round}/${plan.rounds}: pgbench ${script?.label ?? 'TPC-B-like, scale 1'}, -c ${plan.clients} -j 2 -T ${plan.roundSeconds}`,
  );
  const args = [
    ...(script?.args ?? []),
    ...['-c', String(plan.clients), '-j', '2', '-T', String(plan.roundSeconds), '-P', '1', '-n'],
  ];
  const meter = cpuMeter({
    PostgreSQL: () => (postgres === undefined ? undefined : treeCpuMs(postgres)),
    pgbench: reapedChildrenCpuMs,
  });
  const output = await pgbench(server, database, args, plan.roundSeconds);
  const cpu = meter();
  const tps = parseTps(output);
  const transactions = Number(/number of transactions actually processed: (\d+)/.exec(output)?.[1] ?? NaN);
  line(`  pgbench: ${tps.toFixed(0)} tps`);
  return { tps, transactions, cpu };
}

/**
 * A warm-up of `part` (plan.warmupSeconds, not counted), then plan.rounds rounds of it (plan.roundSeconds each), each
 * followed by a pgbench round; the totals. `prepare` runs before each of them (the warm-up is round 0),
 * outside the CPU meters: for work the round needs done beforehand, such as fresh orders. A round
 * that completed no unit of work is an error, not a figure.
 */
export async function inRounds(
  plan: RoundPlan,
  label: string,
  baseline: (round: number) => Promise<BaselineRound>,
  counters: Record<string, () => number | undefined>,
  part: (round: number, seconds: number) => Promise<PartOutput>,
  prepare?: (round: number, seconds: number) => Promise<void>,
): Promise<Result> {
  const latencies: number[] = [];
  const perRound: string[] = [];
  const tps: number[] = [];
  let failed = 0;
  let seconds = 0;
  let cpu: CpuByRole = {};
  let pgbenchCpu: CpuByRole = {};
  let pgbenchTransactions = 0;
  await prepare?.(0, plan.warmupSeconds);
  line(`warm-up (${plan.warmupSeconds} s, not counted): ${label}`);
  await part(0, plan.warmupSeconds);
  for (let round = 1; round <= plan.rounds; round++) {
    await prepare?.(round, plan.roundSeconds);
    line(`round ${round}/${plan.rounds}: ${label}`);
    // This process runs the simulators on its main thread (with the in-process app that seeded, idle
    // during the rounds) and the load generator on a worker thread. Its other threads (V8's garbage
    // collector and compiler helpers, mostly for the load generator's heap, and libuv's pool) are
    // shown apart: the process's total less both threads' own time.
    const meter = cpuMeter({
      ...counters,
      simulators: () => cpuMs(process.threadCpuUsage()),
      [OTHER_THREADS]: () => cpuMs(process.cpuUsage()),
    });
    const out = await part(round, plan.roundSeconds);
    const used = meter();
    if (out.latenciesMs.length === 0) {
      throw new Error(`round ${round} completed no unit of work (${out.failed} failed): no figure to report`);
    }
    if (used[OTHER_THREADS] !== undefined) used[OTHER_THREADS] -= out.cpuMs + (used['simulators'] ?? 0);
    cpu = addCpu(cpu, { ...used, 'load generator': out.cpuMs });
    latencies.push(...out.latenciesMs);
    failed += out.failed;
    seconds += out.seconds;
    const base = await baseline(round);
    tps.push(base.tps);
    pgbenchCpu = addCpu(pgbenchCpu, base.cpu);
    pgbenchTransactions += base.transactions;
    perRound.push(`${(out.latenciesMs.length / out.seconds).toFixed(0)}/${tps.at(-1)!.toFixed(0)}`);
  }
  const sorted = latencies.sort((a, b) => a - b);
  return {
    count: sorted.length,
    failed,
    perSecond: sorted.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    pgbenchTps: tps.reduce((sum, t) => sum + t, 0) / tps.length,
    rounds: perRound.join(', '),
    cpu,
    pgbenchCpu,
    pgbenchTransactions,
  };
}

/** The bench process's threads other than its main thread and the load generator's. */
const OTHER_THREADS = 'bench threads';

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

/**
 * A load generator kept in one worker thread for all the rounds of a part, so that its start-up is in
 * no round and its code stays compiled from one round to the next (a worker a round started cold each
 * time). `run(input, label)` posts `{ run: input }`; the script posts `{ progress: n }` every second
 * (shown as a progress line) and `{ done: PartOutput }` at the end.
 */
export class LoadWorker<O extends PartOutput = PartOutput> {
  private readonly worker: Worker;

  constructor(script: URL) {
    this.worker = new Worker(script);
  }

  run(input: object, label: string): Promise<O> {
    const done = untilDone<O>(this.worker, label);
    this.worker.postMessage({ run: input });
    return done;
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Shows a worker's `{ progress }` messages as a progress line until its `{ done }`. */
async function untilDone<O extends PartOutput>(worker: Worker, label: string): Promise<O> {
  const started = performance.now();
  let onMessage: ((message: { progress?: number; done?: O }) => void) | undefined;
  let onError: ((error: unknown) => void) | undefined;
  const output = await new Promise<O>((resolve, reject) => {
    onMessage = (message) => {
      if (message.done) return resolve(message.done);
      const s = (performance.now() - started) / 1000;
      process.stdout.write(
        `\r  ${label}: ${message.progress} in ${s.toFixed(0)} s, ${((message.progress ?? 0) / s).toFixed(0)}/s   `,
      );
    };
    onError = reject;
    worker.on('message', onMessage);
    worker.on('error', onError);
  }).finally(() => {
    worker.off('message', onMessage!);
    worker.off('error', onError!);
  });
  process.stdout.write(`\r  ${label}: ${output.latenciesMs.length} in ${output.seconds.toFixed(1)} s\n`);
  return output;
}
