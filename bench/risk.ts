/**
 * Risk flagging: the online evaluation of one customer as history grows, and the nightly sweep.
 *
 *   npm run bench:risk                       # embedded PostgreSQL under .data/bench-postgres
 *   LARGE_REFUNDS=10000000 npm run bench:risk
 *
 * Seeds (generate_series, one bulk insert per chunk; secondary indexes built after) 1,000,000 refunds
 * over 200,000 customers spread over a year (each refund on its own paid order, as many orders without
 * one), then adds older history up to LARGE_REFUNDS (default 2,000,000: a fifth of the 10,000,000 the
 * target names, since this machine seeds ~30,000 rows/s) over the same customers at the same rate per
 * day — a longer past, not denser. On each:
 *   figures   every part of one random customer's figures (refunds, orders, payments, claims, payer
 *             cluster, flags) — the online evaluation with no rule held, its upper bound;
 *   assess    RiskService.assessCustomer (what a case report asks): figures, rules, raising any flag due;
 * SAMPLES sequential calls each after a warm-up, p50 and p99; target: p99 on the large set ≤ 1.5 × the small.
 * Then the nightly sweep over the 1,000,000-refund set, with CLAIM_CUSTOMERS (default 20,000) customers
 * who only claim (3 claims in 30 days each, no refund) beside them, in its own process (time, peak RSS;
 * target ≤ 300 MB: customers are read page by page, never loaded). Bounded loops; progress on every step.
 *
 *   LARGE_REFUNDS=1000000 SAMPLES=100 npm run bench:risk   # the small set and the sweep only (~5 min)
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/index.js';
import { createOrm, migrateUp, sqlOnPool, type Orm } from '../src/db/index.js';
import { entities } from '../src/entities.js';
import { createLogger } from '../src/logging/index.js';
import { RiskService, RiskSweep } from '../src/risk/index.js';
import { readCustomerFigures } from '../src/risk/risk.evaluate.js';
import { claimStatements, historyStatements } from './risk-seed.js';
import { createDatabase, dropDatabase, line, percentile, startBenchServer, withDatabase } from './support.js';

const CUSTOMERS = 200_000;
const SMALL = 1_000_000;
const LARGE = Number(process.env['LARGE_REFUNDS'] ?? 2_000_000);
const SPAN_DAYS = 365;
const SAMPLES = Number(process.env['SAMPLES'] ?? 2_000);
/** Customers who only claim (3 claims each in 30 days, no refund): swept beside the refunding ones. */
const CLAIM_CUSTOMERS = Number(process.env['CLAIM_CUSTOMERS'] ?? 20_000);
const WARMUP = 200;
const TARGET_RATIO = 1.5;
const TARGET_RSS_MB = 300;
const TABLES = ['food_order', 'payment', 'refund'];
const logger = createLogger({ level: 'warn' });
const config = loadConfig({ NODE_ENV: 'test' });

interface Latency {
  readonly p50: number;
  readonly p99: number;
}

/**
 * Orders `first`…`last` of the large history (2 per refund; order g placed g / (2 × LARGE) of its span
 * ago): orders 1…2 × SMALL are exactly the small set, the rest the older past the large set adds.
 */
async function seed(orm: Orm, first: number, last: number): Promise<void> {
  const sql = sqlOnPool(orm);
  const statements = historyStatements({
    customers: CUSTOMERS,
    refunds: LARGE,
    spanDays: Math.round((SPAN_DAYS * LARGE) / SMALL),
    chunk: 1_000_000,
    orderRange: [first, last],
  });
  // Secondary indexes are built once after the load (a sort each) rather than row by row.
  const indexes = await sql.rows<{ name: string; def: string }>(
    `select i.indexname as name, i.indexdef as def from pg_indexes i
      where i.tablename = any($1) and i.schemaname = current_schema()
        and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
    [TABLES],
  );
  for (const index of indexes) await sql.rows(`drop index ${index.name}`);
  // The payments' invariant trigger sums each order's payments: without the indexes, a scan per row
  // (hours for a million). The generated history keeps the invariant: one payment of its total per order.
  for (const table of TABLES) await sql.rows(`alter table ${table} disable trigger user`);
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  const [vacuums, inserts] = [
    statements.filter((s) => s.startsWith('vacuum')),
    statements.filter((s) => !s.startsWith('vacuum')),
  ];
  for (const [i, statement] of inserts.entries()) {
    await sql.rows(statement);
    const what = /^\s*insert into (\w+)/.exec(statement)?.[1] ?? 'statement';
    line(`  ${i + 1}/${inserts.length} rows into ${what} (${elapsed()})`);
  }
  for (const index of indexes) {
    await sql.rows(index.def);
    line(`  index ${index.name} (${elapsed()})`);
  }
  for (const table of TABLES) await sql.rows(`alter table ${table} enable trigger user`);
  for (const statement of vacuums) await sql.rows(statement);
  line(`  vacuum analyze (${elapsed()})`);
}

/** `CLAIM_CUSTOMERS` customers who only claim (`claimStatements`), with the cases' user triggers off. */
async function seedClaims(orm: Orm): Promise<void> {
  const sql = sqlOnPool(orm);
  const started = Date.now();
  line(`seeding ${CLAIM_CUSTOMERS.toLocaleString('en')} customers who only claim (3 claims each, 30 days)`);
  for (const table of ['food_order', 'after_sales_case'])
    await sql.rows(`alter table ${table} disable trigger user`);
  for (const statement of claimStatements({ customers: CLAIM_CUSTOMERS, claimsEach: 3, spanDays: 30 })) {
    await sql.rows(statement);
  }
  for (const table of ['food_order', 'after_sales_case'])
    await sql.rows(`alter table ${table} enable trigger user`);
  line(`  claims seeded (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

/** `SAMPLES` sequential calls of `call` on random customers after a warm-up: p50 and p99 in ms. */
async function measure(label: string, call: (customerId: string) => Promise<unknown>): Promise<Latency> {
  let state = 42;
  const next = () => `c_${(state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) % CUSTOMERS}`;
  for (let i = 0; i < WARMUP; i++) await call(next());
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = process.hrtime.bigint();
    await call(next());
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const result = { p50: percentile(times, 50), p99: percentile(times, 99) };
  line(`  ${label}: p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  (${SAMPLES} calls)`);
  return result;
}

async function online(orm: Orm, label: string): Promise<{ figures: Latency; assess: Latency }> {
  const risk = new RiskService(orm, config.risk, logger);
  const sql = sqlOnPool(orm);
  const currency = config.risk.currency;
  const figures = await measure(`${label} figures (every part)`, (c) =>
    readCustomerFigures(sql, { customerIds: [c], asOf: new Date(), currency, evidence: false }),
  );
  const assess = await measure(`${label} assessCustomer`, (c) =>
    risk.assessCustomer({ customerId: c, trigger: 'CASE' }),
  );
  return { figures, assess };
}

/**
 * The worker role's V8 flags (`npm run start:worker`). Without them V8 lets a long-running process's
 * young generation grow to 128 MB on this machine (two 64 MB semi-spaces): the sweep holds one page of
 * customers, yet peaked at ~335 MB RSS, of which ~130 MB are the loaded modules and ~128 MB that young
 * generation; with 16 MB semi-spaces (V8's long-standing default) it peaks at ~263 MB.
 */
const WORKER_FLAGS = ['--max-semi-space-size=16'];

/** The sweep in a process of its own, run as the worker role is, so its peak RSS is its own. */
function sweepProcess(url: string): Promise<{ seconds: number; maxRssMb: number; customers: number }> {
  const child = spawn(process.execPath, [...WORKER_FLAGS, fileURLToPath(import.meta.url), `--sweep=${url}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /sweep seconds=([\d.]+) customers=(\d+) maxRssMb=([\d.]+)/.exec(out);
      if (code !== 0 || !m) return reject(new Error(`sweep process exited ${code}: ${out}`));
      resolve({ seconds: Number(m[1]), customers: Number(m[2]), maxRssMb: Number(m[3]) });
    });
  });
}

async function sweepChild(url: string): Promise<void> {
  const orm = await createOrm({ url, poolMax: 2, entities, logger });
  try {
    const risk = new RiskService(orm, config.risk, logger);
    const sweep = new RiskSweep(
      orm,
      risk,
      { cron: config.risk.sweepCron, batch: config.risk.sweepBatch },
      logger,
    );
    const started = Date.now();
    const result = await sweep.run({ runKey: `bench-${Date.now()}` });
    const seconds = (Date.now() - started) / 1000;
    const maxRssMb = process.resourceUsage().maxRSS / 1024;
    line(`sweep seconds=${seconds.toFixed(1)} customers=${result.customers} maxRssMb=${maxRssMb.toFixed(0)}`);
  } finally {
    await orm.close(true);
  }
}

async function main(): Promise<void> {
  const server = await startBenchServer(logger);
  const name = `bench_risk_${process.pid}`;
  const M = (n: number) => `${n / 1_000_000}M`;
  try {
    await createDatabase(server.adminUrl, name);
    const url = withDatabase(server.adminUrl, name);
    let orm = await createOrm({ url, poolMax: 2, entities, logger });
    await migrateUp(orm);
    line(
      `seeding ${SMALL.toLocaleString('en')} refunds over ${CUSTOMERS.toLocaleString('en')} customers (a year)`,
    );
    await seed(orm, 1, 2 * SMALL);
    if (CLAIM_CUSTOMERS > 0) await seedClaims(orm);
    const atSmall = await online(orm, M(SMALL));
    await orm.close(true);
    line(`nightly sweep over the ${SMALL.toLocaleString('en')}-refund set (own process)`);
    const sweep = await sweepProcess(url);
    line(
      `  ${sweep.seconds.toFixed(1)} s, ${sweep.customers} customers, peak RSS ${sweep.maxRssMb.toFixed(0)} MB`,
    );

    orm = await createOrm({ url, poolMax: 2, entities, logger });
    line(`adding older history: ${(LARGE - SMALL).toLocaleString('en')} refunds (${M(LARGE)} in all)`);
    await seed(orm, 2 * SMALL + 1, 2 * LARGE);
    const atLarge = await online(orm, M(LARGE));
    await orm.close(true);

    const ratio = (a: Latency, b: Latency) => b.p99 / a.p99;
    const mark = (ok: boolean) => (ok ? '✔' : '✘');
    const rf = ratio(atSmall.figures, atLarge.figures);
    const ra = ratio(atSmall.assess, atLarge.assess);
    line('');
    line(`online evaluation, one customer (${SAMPLES} sequential calls each):`);
    for (const [label, a, b, r] of [
      ['figures (every part)', atSmall.figures, atLarge.figures, rf],
      ['assessCustomer', atSmall.assess, atLarge.assess, ra],
    ] as const) {
      line(
        `  ${label.padEnd(21)} 1M: p50 ${a.p50.toFixed(2)} / p99 ${a.p99.toFixed(2)} ms   ${LARGE / 1_000_000}M: p50 ${b.p50.toFixed(2)} / p99 ${b.p99.toFixed(2)} ms   p99 ratio ${r.toFixed(2)} (target ≤ ${TARGET_RATIO}) ${mark(r <= TARGET_RATIO)}`,
      );
    }
    line(
      `nightly sweep over 1M refunds: ${sweep.seconds.toFixed(1)} s for ${sweep.customers.toLocaleString('en')} customers, peak RSS ${sweep.maxRssMb.toFixed(0)} MB (target ≤ ${TARGET_RSS_MB}) ${mark(sweep.maxRssMb <= TARGET_RSS_MB)}`,
    );
  } finally {
    await dropDatabase(server.adminUrl, name).catch(() => undefined);
    await server.stop();
  }
}

const sweepUrl = process.argv.find((a) => a.startsWith('--sweep='))?.slice('--sweep='.length);
(sweepUrl === undefined ? main() : sweepChild(sweepUrl)).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
