import 'reflect-metadata';
import { createLogger } from '../logging/index.js';
import { generateScenario, openEnvironment, runSeed, type SeedResult } from '../simulate/index.js';
import { parseFlags } from './args.js';

/**
 * `npm run simulate [-- --seed N | --seeds N [--from S]]`: seeded fault-schedule runs (see
 * docs/simulate.md). One seed is replayed as is; a range runs seed after seed with a progress line
 * each, then a summary. Exits 1 when any seed broke an invariant, naming the seeds to replay.
 */
/** Far beyond a slow seed on a loaded machine (settling alone gives up after 45 s). */
const SEED_DEADLINE_MS = 300_000;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const single = flags.get('seed');
  const from = Number(flags.get('from') ?? single ?? Math.floor(Math.random() * 1_000_000));
  const count = single === undefined ? Number(flags.get('seeds') ?? 1) : 1;
  if (!Number.isSafeInteger(from) || from < 0 || !Number.isSafeInteger(count) || count < 1) {
    process.stderr.write('usage: npm run simulate -- [--seed N] [--seeds COUNT] [--from FIRST_SEED]\n');
    process.exit(2);
  }
  const logger = createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent', destination: process.stderr });
  const external = process.env['DATABASE_URL'];
  const env = await openEnvironment(logger, external === undefined ? undefined : { adminUrl: external });
  const failed: SeedResult[] = [];
  const started = Date.now();
  let ran = 0;
  let stopping = false;
  process.on('SIGINT', () => (stopping = true));
  try {
    for (let seed = from; seed < from + count && !stopping; seed++) {
      const scenario = generateScenario(seed);
      let phase = 'open';
      // A seed that never ends is a finding too: name it (and where it stalled) and stop.
      const watchdog = setTimeout(() => {
        process.stdout.write(
          `seed ${seed}: STALLED in ${phase} after ${SEED_DEADLINE_MS / 1000} s\n  replay: npm run simulate -- --seed ${seed}\n`,
        );
        process.exit(1);
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
      ran += 1;
      const mark = result.violations.length === 0 ? 'ok' : `${result.violations.length} VIOLATIONS`;
      process.stdout.write(
        `seed ${seed}: ${mark} (${scenario.orders.length} orders, ${scenario.commands.length} commands, ` +
          `${result.refunds} refunds, ${scenario.events.length} events, ${(result.ms / 1000).toFixed(1)} s ${JSON.stringify(result.phasesMs)}) [${ran}/${count}]\n`,
      );
      for (const v of result.violations) process.stdout.write(`  ${v.invariant}: ${v.detail}\n`);
      if (result.violations.length > 0) {
        failed.push(result);
        process.stdout.write(`  replay: npm run simulate -- --seed ${seed}\n`);
      }
    }
  } finally {
    await env.close();
  }
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(
    `\n${ran} seeds (${from}..${from + ran - 1}), ${failed.length} with violations, ` +
      `${seconds.toFixed(0)} s, ${(seconds / Math.max(ran, 1)).toFixed(2)} s per seed\n`,
  );
  if (failed.length > 0) process.stdout.write(`failing seeds: ${failed.map((r) => r.seed).join(' ')}\n`);
  process.exit(failed.length > 0 ? 1 : 0);
}

await main();
