/**
 * Refund throughput beside PostgreSQL's TPC-B-like baseline, on the same server in the same run.
 *
 *   npm run bench:refunds                              # embedded PostgreSQL under .data/bench-postgres
 *   DATABASE_URL=postgres://… npm run bench:refunds    # that server; dedicated databases are created
 *
 * (1) `requestRefund` mutations per second over HTTP at 16 concurrent clients (api role; the refunds
 *     are committed with their ledger entry, audit events and submit job);
 * (2) full lifecycles settled per second: request → worker → simulator → notify (or poll) → SUCCEEDED,
 *     16 closed-loop clients; api and worker each in their own process as in production, the
 *     simulators in this one, all on loopback.
 * Each with p50/p99 latency, and as a ratio of pgbench TPS. Each part alternates short rounds with
 * pgbench rounds (the ratio uses the pgbench rounds interleaved with that part), so background load on
 * the machine hits both sides alike. Every loop is bounded by a deadline.
 * Beside each figure, the CPU time per unit of work by role (api, worker, simulators, PostgreSQL,
 * load generator; pgbench's transactions likewise), from the kernel's accounts: on a saturated
 * machine the ratio is the quotient of the two.
 * Part (1) also runs a floor after each TPC-B round: the minimal SQL of one refund as a pgbench custom
 * script on the same database (bench/refunds-floor.ts says what it does and does not do), its TPS ratio
 * to TPC-B, and the ratio it implies with the CPU the api and the load generator spend per request.
 * `--only=commands|lifecycle` runs one part; `--trace` prints where lifecycle time goes; `--statements`
 * loads pg_stat_statements into the embedded server and prints where PostgreSQL's time per request of
 * part (1) goes (bench/pg-stats.ts: for finding the cost, not for the ratio).
 */
import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { signDevelopmentToken, Role } from '../src/auth/index.js';
import { loadConfig } from '../src/config/index.js';
import { createOrm, migrateUp } from '../src/db/index.js';
import { entities } from '../src/entities.js';
import { createLogger } from '../src/logging/index.js';
import { startApp, type RunningApp } from '../src/main.js';
import { money } from '../src/money/index.js';
import type { StartedAlipaySimulator } from '../src/simulators/alipay/index.js';
import { simulatorProviderEnv, startSimulators, type StartedSimulators } from '../src/simulators/index.js';
import { addCpu, describeCpu, postmasterPid, totalCpuMs, treeCpuMs, type CpuByRole } from './cpu.js';
import { FLOOR_CHECK_SQL, FLOOR_SCRIPT, SEED_MERCHANTS, floorArgs } from './refunds-floor.js';
import { STATEMENT_SETTINGS, StatementStats } from './pg-stats.js';
import { startRoleProcess, stopProcess, type RoleProcess } from './processes.js';
import {
  EMPTY,
  inRounds,
  LoadWorker,
  pgbenchRound,
  type BaselineRound,
  type PartOutput,
  type PgbenchScript,
  type Result,
  type RoundPlan,
} from './rounds.js';
import type { LoadInput } from './refunds-load.js';
import {
  createDatabase,
  dropDatabase,
  line,
  pgbench,
  startBenchServer,
  transport,
  withDatabase,
  type BenchServer,
} from './support.js';

const CLIENTS = 16;
const ROUNDS = 3;
const ROUND_SECONDS = 5;
/** Before the counted rounds of each part: JIT, connection pools, per-connection statements and plans. */
const WARMUP_SECONDS = 2;
const PAYMENTS = 600;
const TARGET_COMMAND_RATIO = 0.45;
/** Refunds a floor transaction commits at most (`BENCH_FLOOR_GROUP`): about the service's group size under this load. */
const FLOOR_GROUP = Number(process.env['BENCH_FLOOR_GROUP'] ?? 8);
const TARGET_LIFECYCLE_RATIO = 0.25;
const JWT_SECRET = 'bench-secret-0123456789-0123456789-abcdef';
const PLAN: RoundPlan = {
  clients: CLIENTS,
  rounds: ROUNDS,
  roundSeconds: ROUND_SECONDS,
  warmupSeconds: WARMUP_SECONDS,
};

const logger = createLogger({ level: 'warn' });

interface Payment {
  readonly id: string;
  readonly channel: 'WECHAT_PAY' | 'ALIPAY';
}

async function main(): Promise<void> {
  const withStatements = process.argv.includes('--statements');
  if (withStatements && process.env['DATABASE_URL'] !== undefined) {
    throw new Error('--statements loads pg_stat_statements into the embedded server: unset DATABASE_URL');
  }
  const server = await startBenchServer(logger, withStatements ? STATEMENT_SETTINGS : undefined);
  const database = `bench_refunds_${process.pid}`;
  const sims = await startSimulators({
    dataDir: mkdtempSync(path.join(tmpdir(), 'bench-sims-')),
    logger,
    wechatpay: { port: 0, refundLifecycle: { mode: 'auto', afterMs: 0 }, notify: { timeCompression: 1_000 } },
    others: { alipay: { port: 0, notifyTimeCompression: 1_000 } },
  });
  const apps: RunningApp[] = [];
  let statements: StatementStats | undefined;
  try {
    await createDatabase(server.adminUrl, database);
    const url = withDatabase(server.adminUrl, database);
    const orm = await createOrm({ url, poolMax: 2, entities, logger });
    await migrateUp(orm);
    await orm.close(true);
    statements = withStatements ? await StatementStats.open(url) : undefined;

    const env = appEnv(url, sims);
    // In this process: seeding and the trace. The load goes to the api process started below.
    const app = await startApp(loadConfig(env), 'api', logger);
    apps.push(app);
    const payments = await seed(app, sims);
    const postgres = await postmasterPid(server.adminUrl);
    const token = await signDevelopmentToken({
      secret: JWT_SECRET,
      issuer: 'takeout-refunds',
      audience: 'takeout-refunds-api',
      subject: 'bench-agent',
      role: Role.SUPPORT,
    });

    const pgbenchDb = `bench_pgbench_${process.pid}`;
    await createDatabase(server.adminUrl, pgbenchDb);
    await pgbench(server, pgbenchDb, ['-i', '-s', '1', '-q'], ROUND_SECONDS);
    const baseline = (round: number) => pgbenchRound(PLAN, server, pgbenchDb, round, postgres);
    const api = await startRoleProcess('api', env);
    try {
      const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
      const run: Run = {
        server,
        database,
        api,
        env,
        databaseUrl: url,
        payments,
        token,
        postgres,
        baseline,
        statements,
      };
      const lifecycle = only === 'commands' ? EMPTY : await lifecycles(run, app);
      const floor: FloorRounds = { tps: [], transactions: 0, cpu: {} };
      const commands = only === 'lifecycle' ? EMPTY : await requests(run, floor);

      const r1 = commands.perSecond / commands.pgbenchTps;
      const r2 = lifecycle.perSecond / lifecycle.pgbenchTps;
      line('');
      line(`PostgreSQL reached over ${transport(server.adminUrl)}, by the app and by pgbench alike`);
      line(
        `(1) requestRefund/s over HTTP:  ${commands.perSecond.toFixed(0)} vs pgbench ${commands.pgbenchTps.toFixed(0)} TPS  ratio ${r1.toFixed(2)} (target ≥ ${TARGET_COMMAND_RATIO}) ${r1 >= TARGET_COMMAND_RATIO ? 'OK' : 'BELOW TARGET'}  p50 ${commands.p50.toFixed(1)} ms  p99 ${commands.p99.toFixed(1)} ms  (${commands.count} ok, ${commands.failed} failed; rounds ${commands.rounds})`,
      );
      line(
        `(2) lifecycles settled/s:       ${lifecycle.perSecond.toFixed(0)} vs pgbench ${lifecycle.pgbenchTps.toFixed(0)} TPS  ratio ${r2.toFixed(2)} (target ≥ ${TARGET_LIFECYCLE_RATIO}) ${r2 >= TARGET_LIFECYCLE_RATIO ? 'OK' : 'BELOW TARGET'}  p50 ${lifecycle.p50.toFixed(1)} ms  p99 ${lifecycle.p99.toFixed(1)} ms  (${lifecycle.count} settled, ${lifecycle.failed} failed; rounds ${lifecycle.rounds})`,
      );
      line(`CPU time per unit of work, by role (${availableParallelism()} cores):`);
      for (const [label, result] of [
        ['(1) requestRefund', commands],
        ['(2) lifecycle', lifecycle],
      ] as const) {
        if (result.count === 0) continue;
        const ours = totalCpuMs(result.cpu) / result.count;
        const theirs = totalCpuMs(result.pgbenchCpu) / result.pgbenchTransactions;
        line(`  ${label.padEnd(18)} ${describeCpu(result.cpu, result.count)}`);
        line(
          `  ${'    pgbench txn'.padEnd(18)} ${describeCpu(result.pgbenchCpu, result.pgbenchTransactions)}  (CPU ratio ${(theirs / ours).toFixed(2)})`,
        );
      }
      if (commands.count > 0 && floor.transactions > 0) await reportFloor(app, commands, floor);
      statements?.print('requestRefund of part (1)');
    } finally {
      await stopProcess(api);
      await dropDatabase(server.adminUrl, pgbenchDb).catch(() => undefined);
    }
  } finally {
    await statements?.close().catch(() => undefined);
    for (const app of apps.reverse()) await app.stop().catch(() => undefined);
    await sims.close();
    await dropDatabase(server.adminUrl, database).catch(() => undefined);
    await server.stop();
  }
}

function appEnv(databaseUrl: string, sims: StartedSimulators): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: '20',
    MIGRATE_ON_START: 'false',
    SIMULATORS: 'false',
    JWT_HS256_SECRET: JWT_SECRET,
    RATE_LIMIT_EXEMPT_LOOPBACK: 'true', // the load generator is one client on loopback
    REFUND_FIRST_POLL_WECHATPAY_MS: '1000',
    REFUND_FIRST_POLL_ALIPAY_MS: '1000',
    ...simulatorProviderEnv(sims),
  };
}

/** Orders paid at the simulators and recorded: enough payments that no refund rule is the bottleneck. */
async function seed(app: RunningApp, sims: StartedSimulators): Promise<Payment[]> {
  const actor = { id: 'bench', role: 'SERVICE' };
  const out: Payment[] = [];
  const alipay = (sims.all['alipay'] as StartedAlipaySimulator).sim;
  for (let i = 0; i < PAYMENTS; i++) {
    const channel = i % 2 === 0 ? 'WECHAT_PAY' : 'ALIPAY';
    const outTradeNo = `B${process.pid}x${i}`;
    const amountFen = 1_000_000;
    await app.services.payments.reportOrder(
      {
        id: `bo_${process.pid}_${i}`,
        customerId: `bc_${i % 50}`,
        merchantId: `bm_${i % SEED_MERCHANTS}`,
        total: money(BigInt(amountFen), 'CNY'),
        deliveryStatus: 'DELIVERED',
        statusChangedAt: new Date(),
        paymentChannel: channel,
        outTradeNo,
      },
      actor,
    );
    const transactionId =
      channel === 'WECHAT_PAY'
        ? sims.wechatpay!.sim.createPayment({ outTradeNo, amountFen }).transactionId
        : alipay.createPayment({ outTradeNo, amountFen }).tradeNo;
    const { payment } = await app.services.payments.recordPayment(
      {
        orderId: `bo_${process.pid}_${i}`,
        channel,
        outTradeNo,
        providerTransactionId: transactionId,
        amount: money(BigInt(amountFen), 'CNY'),
        capturedAt: new Date(),
      },
      actor,
      'SERVICE',
    );
    out.push({ id: payment.id, channel });
    if (i % 100 === 99) process.stdout.write(`\r  seeded ${i + 1}/${PAYMENTS} payments`);
  }
  process.stdout.write('\n');
  return out;
}

/** What both parts share: the api process under load, the data, and the baseline. */
interface Run {
  readonly server: BenchServer;
  readonly database: string;
  readonly api: RoleProcess;
  readonly env: Record<string, string>;
  readonly databaseUrl: string;
  readonly payments: readonly Payment[];
  readonly token: string;
  readonly postgres: number | undefined;
  readonly baseline: (round: number) => Promise<BaselineRound>;
  /** With `--statements`: pg_stat_statements over part (1)'s counted rounds. */
  readonly statements: StatementStats | undefined;
}

function roleCounters(run: Run, ...processes: RoleProcess[]): Record<string, () => number | undefined> {
  return {
    ...Object.fromEntries(processes.map((p) => [p.role, () => treeCpuMs(p.child.pid!)])),
    PostgreSQL: () => (run.postgres === undefined ? undefined : treeCpuMs(run.postgres)),
  };
}

async function lifecycles(run: Run, app: RunningApp): Promise<Result> {
  // It tells WeChat where to send refund notifies: the api's address.
  const worker = await startRoleProcess('worker', { ...run.env, PUBLIC_BASE_URL: run.api.url });
  const load = loadGenerator();
  try {
    const result = await inRounds(
      PLAN,
      `lifecycle, ${CLIENTS} closed-loop clients for ${ROUND_SECONDS} s (request → provider → SUCCEEDED)`,
      run.baseline,
      roleCounters(run, run.api, worker),
      (round, seconds) => drive(run, load, `lifecycle-r${round}`, true, seconds),
    );
    if (process.argv.includes('--trace')) await trace(app);
    return result;
  } finally {
    await load.stop();
    await stopProcess(worker);
  }
}

/** The floor's rounds (bench/refunds-floor.ts), each run right after a TPC-B round of part (1). */
interface FloorRounds {
  readonly tps: number[];
  transactions: number;
  cpu: CpuByRole;
}

async function requests(run: Run, floor: FloorRounds): Promise<Result> {
  const script = path.join(mkdtempSync(path.join(tmpdir(), 'bench-floor-')), 'refund-floor.sql');
  writeFileSync(script, FLOOR_SCRIPT);
  const floorScript = {
    label: `refund floor (-f: the minimal SQL of groups of ≤ ${FLOOR_GROUP} refunds)`,
    args: floorArgs(script, {
      orderPrefix: `bo_${process.pid}_`,
      payments: PAYMENTS,
      groupSize: FLOOR_GROUP,
    }),
  };
  const load = loadGenerator();
  try {
    return await requestRounds(run, floor, floorScript, load);
  } finally {
    await load.stop();
  }
}

async function requestRounds(
  run: Run,
  floor: FloorRounds,
  floorScript: PgbenchScript,
  load: LoadWorker,
): Promise<Result> {
  return inRounds(
    PLAN,
    `requestRefund, ${CLIENTS} clients for ${ROUND_SECONDS} s over HTTP (api role)`,
    async (round) => {
      const base = await run.baseline(round);
      const f = await pgbenchRound(PLAN, run.server, run.database, round, run.postgres, floorScript);
      floor.tps.push(f.tps);
      floor.transactions += f.transactions;
      floor.cpu = addCpu(floor.cpu, f.cpu);
      return base;
    },
    roleCounters(run, run.api),
    async (round, seconds) => {
      const snapshot = round > 0 ? await run.statements?.snapshot() : undefined;
      const out = await drive(run, load, `requestRefund-r${round}`, false, seconds);
      if (snapshot) await run.statements!.add(snapshot, out.latenciesMs.length);
      return out;
    },
  );
}

/**
 * The floor beside TPC-B, and what it implies: with the CPU the api, the simulators' process and the
 * load generator spent per request added to the floor's own, the ratio a saturated machine would give
 * if the service's SQL were the floor.
 */
async function reportFloor(app: RunningApp, commands: Result, floor: FloorRounds): Promise<void> {
  const connection = app.orm.em.fork().getConnection();
  const [check] =
    await connection.execute<{ refunds: number; entries: number; postings: number }[]>(FLOOR_CHECK_SQL);
  // Rows one transaction inserted share its xmin: the service's group commits (no worker ran in part 1).
  const [groups] = await connection.execute<{ refunds: number; transactions: number }[]>(
    `select count(*)::int as refunds, count(distinct xmin::text)::int as transactions
       from refund where idempotency_key like 'bench-%'`,
  );
  const perTransaction = (check?.refunds ?? 0) / floor.transactions;
  const tps = floor.tps.reduce((sum, t) => sum + t, 0) / floor.tps.length;
  const perSecond = tps * perTransaction;
  const perRefund = totalCpuMs(floor.cpu) / (check?.refunds ?? Number.NaN);
  const perTpcb = totalCpuMs(commands.pgbenchCpu) / commands.pgbenchTransactions;
  const outside = Object.entries(commands.cpu)
    .filter(([role]) => role !== 'PostgreSQL')
    .reduce((sum, [, ms]) => sum + ms, 0);
  const outsidePerRequest = outside / commands.count;
  line(
    `(1) floor, the minimal SQL of a refund (pgbench -f, groups of ≤ ${FLOOR_GROUP}, ${perTransaction.toFixed(1)} a transaction; the service's group commits: ${((groups?.refunds ?? 0) / (groups?.transactions ?? 1)).toFixed(1)}): ${perSecond.toFixed(0)} refunds/s vs pgbench ${commands.pgbenchTps.toFixed(0)} TPS  ratio ${(perSecond / commands.pgbenchTps).toFixed(2)}  (transactions/s by round ${floor.tps.map((t) => t.toFixed(0)).join(', ')}; ${check?.refunds} refunds, ${check?.entries} entries, ${check?.postings} postings)`,
  );
  line(`  ${'    floor refund'.padEnd(18)} ${describeCpu(floor.cpu, check?.refunds ?? Number.NaN)}`);
  line(
    `  ceiling: the floor's CPU + today's outside PostgreSQL (api, simulators, load generator: ${outsidePerRequest.toFixed(2)} ms a request) gives a ratio ≈ ${(perTpcb / (perRefund + outsidePerRequest)).toFixed(2)}; the floor's alone ${(perTpcb / perRefund).toFixed(2)}`,
  );
}

/** Where a lifecycle's time goes: job queueing, provider round trip, notify, from the database's clocks. */
async function trace(app: RunningApp): Promise<void> {
  const rows = await app.orm.em
    .fork()
    .getConnection()
    .execute<{ step: string; p50: number; p99: number; n: string }[]>(
      `with j as (
       select name, extract(epoch from started_on - created_on) * 1000 as wait_ms,
              extract(epoch from completed_on - started_on) * 1000 as run_ms
         from pgboss.job where name like 'refunds.%' or name like 'callbacks.%'
     ), e as (
       select extract(epoch from occurred_at - lag(occurred_at) over (partition by refund_id order by id)) * 1000 as ms,
              lag(to_status) over (partition by refund_id order by id) || '→' || to_status || ' (' || source || ')' as step
         from refund_event
     )
     select name || ' queued' as step, percentile_cont(0.5) within group (order by wait_ms) as p50,
            percentile_cont(0.99) within group (order by wait_ms) as p99, count(*) as n from j group by name
     union all
     select name || ' ran', percentile_cont(0.5) within group (order by run_ms), percentile_cont(0.99) within group (order by run_ms), count(*) from j group by name
     union all
     select step, percentile_cont(0.5) within group (order by ms), percentile_cont(0.99) within group (order by ms), count(*)
       from e where step is not null group by step`,
    );
  for (const r of rows) {
    line(
      `  trace ${r.step.padEnd(48)} p50 ${Number(r.p50).toFixed(1)} ms  p99 ${Number(r.p99).toFixed(1)} ms  (${r.n})`,
    );
  }
}

/** The load generator's thread, kept for all the rounds of a part. */
function loadGenerator(): LoadWorker {
  return new LoadWorker(new URL('./refunds-load.js', import.meta.url));
}

/** CLIENTS concurrent loops for `seconds` in the load generator; with `settle`, each also waits for SUCCEEDED. */
async function drive(
  run: Run,
  load: LoadWorker,
  label: string,
  settle: boolean,
  seconds: number,
): Promise<PartOutput> {
  const input: LoadInput = {
    url: run.api.url,
    token: run.token,
    databaseUrl: run.databaseUrl,
    paymentIds: run.payments.map((p) => p.id),
    label,
    clients: CLIENTS,
    seconds,
    settle,
  };
  return load.run(input, label);
}

await main();
