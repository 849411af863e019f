/**
 * Ledger throughput beside PostgreSQL's own TPC-B-like baseline, on the same server in the same run.
 *
 *   npm run bench:ledger            # embedded PostgreSQL under .data/bench-postgres
 *   DATABASE_URL=postgres://… npm run bench:ledger   # that server; dedicated databases are created
 *
 * Prints ledger entries/s at 16 concurrent clients, pgbench TPS (-c 16 -j 2) measured in alternating
 * 5 s rounds (3 each, so background load hits both alike), their ratio, and bytes
 * per posting (table + indexes ÷ rows, after VACUUM ANALYZE, with ≥ 100k postings). Loopback only;
 * every loop is bounded by a deadline or a count.
 */
import 'reflect-metadata';
import { createOrm, migrateUp, type Orm } from '../src/db/index.js';
import { entities } from '../src/entities.js';
import { LedgerError, LedgerService, paymentCaptured } from '../src/ledger/index.js';
import { createLogger } from '../src/logging/index.js';
import { money } from '../src/money/index.js';
import {
  createDatabase,
  dropDatabase,
  line,
  parseTps,
  pgbench,
  startBenchServer,
  withDatabase,
} from './support.js';

const CLIENTS = 16;
const ROUNDS = 3;
const ROUND_SECONDS = 5;
const MIN_POSTINGS = 100_000;
const MERCHANTS = 500;
const RIDERS = 100;
const TARGET_RATIO = 0.5;
const TARGET_BYTES = 743;

const logger = createLogger({ level: 'warn' });

async function main(): Promise<void> {
  const server = await startBenchServer(logger);
  const suffix = `${process.pid}`;
  const ledgerDb = `bench_ledger_${suffix}`;
  const pgbenchDb = `bench_pgbench_${suffix}`;
  try {
    await createDatabase(server.adminUrl, ledgerDb);
    await createDatabase(server.adminUrl, pgbenchDb);
    const orm = await createOrm({
      url: withDatabase(server.adminUrl, ledgerDb),
      poolMax: CLIENTS + 2,
      entities,
      logger,
    });
    try {
      await migrateUp(orm);
      const ledger = new LedgerService(orm);
      line(`ledger: warming up accounts (${MERCHANTS} merchants, ${RIDERS} riders)`);
      await run(ledger, { clients: CLIENTS, until: { entries: MERCHANTS + RIDERS }, label: 'warm-up' });

      await pgbench(server, pgbenchDb, ['-i', '-s', '1', '-q'], ROUND_SECONDS);
      // Alternate short rounds so background load on the machine hits both sides alike.
      let entries = 0;
      let refused = 0;
      let ledgerMs = 0;
      const tpsRounds: number[] = [];
      const ledgerRounds: number[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        line(`round ${round}/${ROUNDS}: ledger, ${CLIENTS} clients for ${ROUND_SECONDS} s`);
        const timed = await run(ledger, {
          clients: CLIENTS,
          until: { ms: ROUND_SECONDS * 1000 },
          label: 'ledger',
        });
        entries += timed.entries;
        refused += timed.refused;
        ledgerMs += timed.ms;
        ledgerRounds.push(timed.entries / (timed.ms / 1000));
        line(`round ${round}/${ROUNDS}: pgbench TPC-B-like, scale 1, -c ${CLIENTS} -j 2 -T ${ROUND_SECONDS}`);
        const args = ['-c', String(CLIENTS), '-j', '2', '-T', String(ROUND_SECONDS), '-P', '1', '-n'];
        tpsRounds.push(parseTps(await pgbench(server, pgbenchDb, args, ROUND_SECONDS)));
        line(`  pgbench: ${tpsRounds.at(-1)!.toFixed(0)} tps`);
      }
      const entriesPerSecond = entries / (ledgerMs / 1000);
      const tps = tpsRounds.reduce((sum, t) => sum + t, 0) / tpsRounds.length;
      const timed = { entries, refused };

      const size = await bytesPerPosting(orm, ledger);
      const ratio = entriesPerSecond / tps;
      line('');
      line(
        `ledger entries/s (16 clients, 4 postings each): ${entriesPerSecond.toFixed(0)}  (rounds: ${ledgerRounds.map((r) => r.toFixed(0)).join(', ')}; ${timed.entries} entries, ${timed.refused} refused)`,
      );
      line(
        `pgbench TPS (TPC-B-like, 16 clients, mean):       ${tps.toFixed(0)}  (rounds: ${tpsRounds.map((t) => t.toFixed(0)).join(', ')})`,
      );
      line(
        `ratio ledger/pgbench:                              ${ratio.toFixed(2)}  (target ≥ ${TARGET_RATIO}) ${ratio >= TARGET_RATIO ? 'OK' : 'BELOW TARGET'}`,
      );
      line(
        `bytes per posting (${size.rows} postings):         ${size.bytes.toFixed(0)}  (target < ${TARGET_BYTES}) ${size.bytes < TARGET_BYTES ? 'OK' : 'ABOVE TARGET'}`,
      );
    } finally {
      await orm.close(true);
    }
  } finally {
    await dropDatabase(server.adminUrl, ledgerDb).catch(() => undefined);
    await dropDatabase(server.adminUrl, pgbenchDb).catch(() => undefined);
    await server.stop();
  }
}

interface RunResult {
  entries: number;
  refused: number;
  ms: number;
}

/** `clients` concurrent posters until a deadline or an entry count; progress once a second. */
async function run(
  ledger: LedgerService,
  options: { clients: number; until: { ms: number } | { entries: number }; label: string },
): Promise<RunResult> {
  const started = performance.now();
  const deadline = 'ms' in options.until ? started + options.until.ms : Number.POSITIVE_INFINITY;
  const quota = 'entries' in options.until ? options.until.entries : Number.POSITIVE_INFINITY;
  let entries = 0;
  let refused = 0;
  let issued = 0;
  const first = nextPayment;
  const progress = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`\r  ${options.label}: ${entries} entries, ${(entries / seconds).toFixed(0)}/s   `);
  }, 1000);
  const client = async (): Promise<void> => {
    while (performance.now() < deadline && issued < quota) {
      issued++;
      // Payment numbers continue across runs: a repeated one would be an idempotent replay, not a post.
      const n = nextPayment++;
      try {
        await ledger.post(entryFor(n));
        entries++;
      } catch (error) {
        if (!(error instanceof LedgerError)) throw error;
        refused++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.clients }, client));
  } finally {
    clearInterval(progress);
  }
  const ms = performance.now() - started;
  if (nextPayment - first !== entries + refused) throw new Error('lost track of posted entries');
  process.stdout.write(
    `\r  ${options.label}: ${entries} entries in ${(ms / 1000).toFixed(1)} s, ${(entries / (ms / 1000)).toFixed(0)}/s\n`,
  );
  return { entries, refused, ms };
}

const runId = Date.now().toString(36);
let nextPayment = 0;

/** A captured payment split between merchant, rider and commission: 4 postings, clearing is hot. */
function entryFor(n: number) {
  const amount = 1_000n + BigInt((n * 7_919) % 90_000);
  return paymentCaptured({
    paymentId: `pay_${runId}_${n}`,
    provider: n % 3 === 0 ? 'alipay' : 'wechatpay',
    merchantId: `m_${n % MERCHANTS}`,
    amount: money(amount, 'CNY'),
    commission: money(amount / 10n, 'CNY'),
    rider: { riderId: `r_${n % RIDERS}`, amount: money(500n, 'CNY') },
  });
}

async function bytesPerPosting(orm: Orm, ledger: LedgerService): Promise<{ bytes: number; rows: number }> {
  const count = async () =>
    Number(
      (await orm.em.fork().getConnection().execute<{ n: string }[]>('select count(*) as n from posting'))[0]!
        .n,
    );
  const have = await count();
  if (have < MIN_POSTINGS) {
    const entries = Math.ceil((MIN_POSTINGS - have) / 4);
    line(`size: topping up to ≥ ${MIN_POSTINGS} postings (${entries} more entries)`);
    await run(ledger, { clients: CLIENTS, until: { entries }, label: 'fill' });
  }
  const connection = orm.em.fork().getConnection();
  await connection.execute('vacuum analyze posting');
  const [row] = await connection.execute<{ bytes: string; rows: string }[]>(
    `select pg_total_relation_size('posting') as bytes, (select count(*) from posting) as rows`,
  );
  return { bytes: Number(row!.bytes) / Number(row!.rows), rows: Number(row!.rows) };
}

await main();
