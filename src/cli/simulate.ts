import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { createLogger } from '../logging/index.js';
import {
  generateScenario,
  openEnvironment,
  runSeed,
  type Environment,
  type SeedResult,
} from '../simulate/index.js';
import { parseFlags } from './args.js';

/**
 * `npm run simulate [-- --seed N | --seeds N [--from S] [--jobs J]] [--trace]`: seeded fault-schedule runs (see
 * docs/simulate.md). One seed is replayed as is; a range runs seed after seed with a progress line
 * each, then a summary; with `--jobs J`, J processes (each with its own PostgreSQL) take the seeds in
 * turn. Exits 1 when any seed broke an invariant or stalled, naming the seeds to replay.
 */
/** Far beyond a slow seed on a loaded machine (settling alone gives up after 45 s). */
const SEED_DEADLINE_MS = 300_000;

/** `--trace`: each seed's line is followed by what its schedule performed (`SeedResult.trace`). */
let traced = false;

/** What one seed printed, and whether it failed (violations, or stalled). */
interface SeedReport {
  readonly seed: number;
  readonly failed: boolean;
  /** The seed never ended: its process is in an unknown state and ends. */
  readonly stalled?: boolean;
  readonly text: string;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  traced = flags.has('trace');
  if (flags.has('serve')) return serve();
  const single = flags.get('seed');
  const from = Number(flags.get('from') ?? single ?? Math.floor(Math.random() * 1_000_000));
  const count = single === undefined ? Number(flags.get('seeds') ?? 1) : 1;
  const jobs = Math.min(Number(flags.get('jobs') ?? 1), count);
  if (![from, count, jobs].every(Number.isSafeInteger) || from < 0 || count < 1 || jobs < 1) {
    process.stderr.write(
      'usage: npm run simulate -- [--seed N] [--seeds COUNT] [--from FIRST_SEED] [--jobs PROCESSES] [--trace]\n',
    );
    process.exit(2);
  }
  const seeds = Array.from({ length: count }, (_, i) => from + i);
  const failed: number[] = [];
  const started = Date.now();
  let ran = 0;
  let stopping = false;
  process.on('SIGINT', () => (stopping = true));
  const report = (r: SeedReport): void => {
    ran += 1;
    if (r.failed) failed.push(r.seed);
    process.stdout.write(r.text.replace('\n', ` [${ran}/${count}]\n`));
  };
  if (jobs === 1) {
    const env = await openSimulateEnvironment();
    try {
      for (const seed of seeds) {
        if (stopping) break;
        report(
          await runOne(
            env,
            seed,
            (text) => (report({ seed, failed: true, stalled: true, text }), process.exit(1)),
          ),
        );
      }
    } finally {
      await env.close();
    }
  } else {
    await runInChildren(seeds, jobs, report, () => stopping);
  }
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(
    `\n${ran} seeds (${from}..${from + count - 1}${jobs > 1 ? `, ${jobs} processes` : ''}), ` +
      `${failed.length} with violations or stalled, ${seconds.toFixed(0)} s, ` +
      `${(seconds / Math.max(ran, 1)).toFixed(2)} s per seed\n`,
  );
  if (failed.length > 0) process.stdout.write(`failing seeds: ${failed.sort((a, b) => a - b).join(' ')}\n`);
  process.exit(failed.length > 0 ? 1 : 0);
}

function openSimulateEnvironment(): Promise<Environment> {
  const logger = createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent', destination: process.stderr });
  const external = process.env['DATABASE_URL'];
  return openEnvironment(logger, external === undefined ? undefined : { adminUrl: external });
}

/**
 * One seed and its progress line. A seed that never ends is a finding too: `stalled` gets its line
 * (and where it stalled); the process is then in an unknown state, so the caller ends it.
 */
async function runOne(env: Environment, seed: number, stalled: (text: string) => void): Promise<SeedReport> {
  const scenario = generateScenario(seed);
  let phase = 'open';
  const watchdog = setTimeout(() => {
    stalled(
      `seed ${seed}: STALLED in ${phase} after ${SEED_DEADLINE_MS / 1000} s\n  replay: npm run simulate -- --seed ${seed}\n`,
    );
  }, SEED_DEADLINE_MS);
  const result = await runSeed(env, scenario, undefined, (p) => (phase = p)).catch(
    (error: unknown): SeedResult => ({
      seed,
      refunds: 0,
      ms: 0,
      violations: [
        { invariant: 'the seed runs to the end', detail: String((error as Error).stack ?? error) },
      ],
    }),
  );
  clearTimeout(watchdog);
  const mark = result.violations.length === 0 ? 'ok' : `${result.violations.length} VIOLATIONS`;
  let text =
    `seed ${seed}: ${mark} (${scenario.orders.length} orders, ${scenario.commands.length} commands, ` +
    `${result.refunds} refunds, ${scenario.events.length} events, ${notifyCounts(result)}, ` +
    `${(result.ms / 1000).toFixed(1)} s ${JSON.stringify(result.phasesMs)})\n`;
  if (traced) for (const line of result.trace ?? []) text += `  ${line}\n`;
  for (const v of result.violations) text += `  ${v.invariant}: ${v.detail}\n`;
  if (result.violations.length > 0) text += `  replay: npm run simulate -- --seed ${seed}\n`;
  return { seed, failed: result.violations.length > 0, text };
}

function notifyCounts(result: SeedResult): string {
  const n = result.notifiesAccepted;
  return n === undefined ? 'notifies -' : `notifies accepted ${n.WECHAT_PAY} WeChat, ${n.ALIPAY} Alipay`;
}

/** `--serve`: a child of `--jobs`; runs the seeds its parent sends, one at a time, and answers each. */
async function serve(): Promise<void> {
  const env = await openSimulateEnvironment();
  const send = (message: SeedReport | 'ready', then: () => void = () => undefined): void => {
    process.send!(message, then);
  };
  process.on('message', (seed: number | 'done') => {
    if (seed === 'done') {
      void env.close().then(() => process.exit(0));
      return;
    }
    void runOne(env, seed, (text) =>
      send({ seed, failed: true, stalled: true, text }, () => process.exit(1)),
    ).then((report) => send(report));
  });
  send('ready');
}

/**
 * Hands the seeds to `jobs` child processes (`--serve`) as each becomes free. A child that stalls
 * reports its seed and ends; a fresh one takes its place.
 */
async function runInChildren(
  seeds: readonly number[],
  jobs: number,
  report: (r: SeedReport) => void,
  stopping: () => boolean,
): Promise<void> {
  const queue = [...seeds];
  const script = process.argv[1]!;
  await new Promise<void>((resolve) => {
    let live = 0;
    const start = (): void => {
      const child: ChildProcess = fork(script, ['--serve', ...(traced ? ['--trace'] : [])], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      live += 1;
      let current: number | undefined;
      const next = (): void => {
        current = stopping() ? undefined : queue.shift();
        child.send(current ?? 'done');
      };
      child.on('message', (message: SeedReport | 'ready') => {
        if (message !== 'ready') {
          current = undefined;
          report(message);
          if (message.stalled) return;
        }
        next();
      });
      child.on('exit', (code) => {
        live -= 1;
        if (current !== undefined)
          report({ seed: current, failed: true, text: `seed ${current}: its process ended (${code})\n` });
        if (code !== 0 && queue.length > 0 && !stopping()) start();
        if (live === 0) resolve();
      });
    };
    for (let i = 0; i < jobs; i++) start();
  });
}

await main();
