/**
 * Reconciliation of a 1,000,000-row WeChat trade bill beside its floor, on the same server in the same run.
 *
 *   npm run bench:reconcile          # embedded PostgreSQL under .data/bench-postgres
 *   ROWS=200000 npm run bench:reconcile
 *   PROFILE_DIR=/tmp/prof ROWS=100000 npm run bench:reconcile   # + a .cpuprofile of the reconciliation
 *   EXPLAIN=1 ROWS=100000 npm run bench:reconcile                # + the match's plans (EXPLAIN ANALYZE)
 *
 * Seeds a database with ROWS captured WeChat payments (and their orders), writes the matching bill
 * (gzip, the real layout, 100 rows with an altered amount) and the same rows as COPY text, then:
 *   floor  = COPY of the rows into a bare table + one hash join against `payment` (timed in this process);
 *   recon  = `node --max-semi-space-size=16 dist/reconciliation/recon.cli.js --file bill.csv.gz --stats` in
 *            its own process, with the young generation `npm run reconcile` gives it
 *            (parse, store the raw file, COPY, match, write the run), timed inside the CLI;
 * the floor is measured before and after the reconciliation (mean), and the CLI reports its peak RSS
 * (getrusage maxrss). Targets: ratio ≤ 3, peak RSS ≤ 300 MB. Loopback only; bounded loops.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createOrm, migrateUp } from '../src/db/index.js';
import { createLogger } from '../src/logging/index.js';
import { entities } from '../src/entities.js';
import { createDatabase, dropDatabase, line, startBenchServer, withDatabase } from './support.js';

const ROWS = Number(process.env['ROWS'] ?? 1_000_000);
const ALTERED = 100;
/** A directory for a CPU profile of the reconciliation process (node --cpu-prof), when set. */
const PROFILE_DIR = process.env['PROFILE_DIR'];
/** EXPLAIN=1: then a second run of the same bill prints EXPLAIN ANALYZE of the match's queries. */
const EXPLAIN = process.env['EXPLAIN'] === '1';
const BILL_DATE = '2026-11-21';
const TARGET_RATIO = 3;
const TARGET_RSS_MB = 300;
const logger = createLogger({ level: 'warn' });

const outTradeNo = (i: number): string => `B${String(i).padStart(12, '0')}`;
const transactionId = (i: number): string => `4200002171${String(i).padStart(18, '0')}`;
const fenOf = (i: number): number => 100 + ((i * 7919) % 50_000);
const yuan = (fen: number): string => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
const fee5 = (fen: number): string => {
  const e5 = Math.round((fen * 60) / 10_000) * 1000;
  return `${Math.floor(e5 / 100_000)}.${String(e5 % 100_000).padStart(5, '0')}`;
};

async function seedLedger(client: pg.Client): Promise<void> {
  line(`seeding ${ROWS.toLocaleString('en')} orders and captured WeChat payments`);
  const at = `${BILL_DATE} 12:00:00+08`;
  await client.query(
    `insert into food_order (id, customer_id, merchant_id, total_minor, currency, delivery_status, status_changed_at, payment_channel, out_trade_no)
     select 'o_' || i, 'c_' || (i % 10000), 'm_' || (i % 500), 100 + ((i::bigint * 7919) % 50000), 'CNY', 'DELIVERED', $1::timestamptz, 'WECHAT_PAY',
            'B' || lpad(i::text, 12, '0')
       from generate_series(1, $2::int) i`,
    [at, ROWS],
  );
  await client.query(
    `insert into payment (id, order_id, customer_id, merchant_id, channel, out_trade_no, provider_transaction_id, amount_minor, currency, source, captured_at)
     select 'p_' || i, 'o_' || i, 'c_' || (i % 10000), 'm_' || (i % 500), 'WECHAT_PAY', 'B' || lpad(i::text, 12, '0'),
            '4200002171' || lpad(i::text, 18, '0'), 100 + ((i::bigint * 7919) % 50000), 'CNY', 'SERVICE',
            $1::timestamptz + (i % 36000) * interval '1 second'
       from generate_series(1, $2::int) i`,
    [at, ROWS],
  );
  await client.query('vacuum analyze food_order');
  await client.query('vacuum analyze payment');
}

/** The bill (gzip) and the same rows as COPY text, written as streams. */
async function writeFiles(dir: string): Promise<{ bill: string; copyText: string }> {
  const bill = path.join(dir, 'bill.csv.gz');
  const copyText = path.join(dir, 'rows.tsv');
  const header =
    '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
  let total = 0;
  let fees = 0;
  function* billLines(): Generator<string> {
    yield `\uFEFF${header}\r\n`;
    const batch: string[] = [];
    for (let i = 1; i <= ROWS; i++) {
      const fen = i <= ALTERED ? fenOf(i) + 1 : fenOf(i);
      total += fen;
      fees += Math.round((fen * 60) / 10_000) * 1000;
      const s = 12 * 3600 + (i % 36000);
      const time = `${BILL_DATE} ${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
      batch.push(
        `\`${time},\`wxd678efh567hg6787,\`1900000100,\`0,\`,\`${transactionId(i)},\`${outTradeNo(i)},\`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,\`JSAPI,\`SUCCESS,\`OTHERS,\`CNY,\`${yuan(fen)},\`0.00,\`0,\`0,\`0.00,\`0.00,\`,\`,\`外卖订单,\`,\`${fee5(fen)},\`0.60%,\`${yuan(fen)},\`0.00,\``,
      );
      if (batch.length === 1000) yield `${batch.splice(0).join('\r\n')}\r\n`;
    }
    if (batch.length) yield `${batch.join('\r\n')}\r\n`;
    const feeTotal = `${Math.floor(fees / 100_000)}.${String(fees % 100_000).padStart(5, '0')}`;
    yield `总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n\`${ROWS},\`${yuan(total)},\`0.00,\`0.00,\`${feeTotal},\`${yuan(total)},\`0.00\r\n`;
  }
  function* copyLines(): Generator<string> {
    const batch: string[] = [];
    for (let i = 1; i <= ROWS; i++) {
      const fen = i <= ALTERED ? fenOf(i) + 1 : fenOf(i);
      batch.push(
        `bench\t${i + 1}\tPAYMENT\t${outTradeNo(i)}\t${transactionId(i)}\t\\N\t\\N\t${fen}\tCNY\t0\t5\tSUCCESS\t2026-11-21T04:00:00Z`,
      );
      if (batch.length === 1000) yield `${batch.splice(0).join('\n')}\n`;
    }
    if (batch.length) yield `${batch.join('\n')}\n`;
  }
  await pipeline(Readable.from(billLines()), createGzip(), createWriteStream(bill));
  await pipeline(Readable.from(copyLines()), createWriteStream(copyText));
  return { bill, copyText };
}

/** COPY of the same rows into a bare table, then one hash join against the ledger's payments. */
async function floor(client: pg.Client, copyText: string): Promise<number> {
  await client.query('drop table if exists floor_rows');
  // The columns of the statement rows as loaded before runs staged their own (the floor stays comparable).
  await client.query(
    `create table floor_rows (file_id varchar(64) not null, line_no int not null, kind varchar(8) not null,
       out_trade_no varchar(64) not null, transaction_id varchar(64) not null, refund_no varchar(64),
       provider_refund_id varchar(64), amount_minor bigint not null, currency varchar(3) not null,
       fee_units bigint not null, fee_scale smallint not null, provider_status varchar(16) not null,
       occurred_at timestamptz not null)`,
  );
  const started = process.hrtime.bigint();
  const copy = client.query(
    copyFrom(
      `copy floor_rows (file_id, line_no, kind, out_trade_no, transaction_id, refund_no, provider_refund_id, amount_minor, currency, fee_units, fee_scale, provider_status, occurred_at) from stdin`,
    ),
  );
  await pipeline(createReadStream(copyText), copy);
  const joined = await client.query<{ n: string }>(
    `select count(*) as n from floor_rows f join payment p on p.channel = 'WECHAT_PAY' and p.out_trade_no = f.out_trade_no
      where p.amount_minor = f.amount_minor`,
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (Number(joined.rows[0]?.n) !== ROWS - ALTERED) throw new Error(`floor join found ${joined.rows[0]?.n}`);
  await client.query('drop table floor_rows');
  return seconds;
}

interface CliStats {
  seconds: number;
  maxRssMb: number;
  /** Seconds from the start to each phase (store, load, match, commit). */
  phases: string;
  exitCode: number;
  summary: string;
}

async function reconcile(databaseUrl: string, bill: string, explain = false): Promise<CliStats> {
  const child = spawn(
    process.execPath,
    [
      // As `npm run reconcile` starts it (package.json).
      '--max-semi-space-size=16',
      ...(PROFILE_DIR === undefined || explain ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`]),
      'dist/reconciliation/recon.cli.js',
      '--provider',
      'wechatpay',
      '--date',
      BILL_DATE,
      '--file',
      bill,
      '--stats',
      ...(explain ? ['--explain'] : []),
    ],
    {
      // As `npm run reconcile` runs it: development unless told otherwise (production wants a JWT key).
      env: {
        ...process.env,
        NODE_ENV: process.env['NODE_ENV'] ?? 'development',
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stats = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    const text = c.toString();
    const m = /^stats .*$/m.exec(text);
    if (m) stats = m[0];
    if (explain) process.stderr.write(text);
    else
      for (const l of text.split('\n'))
        if (l.trim() && !l.startsWith('stats ')) process.stderr.write(`  ${l.trim()}\n`);
  });
  const [code] = (await once(child, 'exit')) as [number];
  if (stats === '') throw new Error(`the reconciliation process printed no stats (exit ${code})`);
  const seconds = Number(/seconds=([\d.]+)/.exec(stats)?.[1] ?? NaN);
  const maxRssMb = Number(/maxRssMb=([\d.]+)/.exec(stats)?.[1] ?? NaN);
  const phases = /phases=(\S*)/.exec(stats)?.[1] ?? '';
  return { seconds, maxRssMb, phases, exitCode: code, summary: stdout };
}

async function main(): Promise<void> {
  const server = await startBenchServer(logger);
  const database = `bench_recon_${process.pid}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-recon-'));
  try {
    await createDatabase(server.adminUrl, database);
    const url = withDatabase(server.adminUrl, database);
    const orm = await createOrm({ url, poolMax: 2, entities, logger });
    await migrateUp(orm);
    await orm.close(true);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await seedLedger(client);
      line('writing the bill (gzip) and the same rows as COPY text');
      const files = await writeFiles(dir);
      line('floor (1/2): COPY + hash join');
      const floorBefore = await floor(client, files.copyText);
      line(`  ${floorBefore.toFixed(2)} s`);
      line('reconciliation (its own process)');
      const recon = await reconcile(url, files.bill);
      if (EXPLAIN) {
        line('the match’s plans (a second, untimed run of the same file with --explain)');
        await reconcile(url, files.bill, true);
      }
      line('floor (2/2): COPY + hash join');
      const floorAfter = await floor(client, files.copyText);
      line(`  ${floorAfter.toFixed(2)} s`);
      process.stdout.write(recon.summary);
      const floorMean = (floorBefore + floorAfter) / 2;
      const ratio = recon.seconds / floorMean;
      line('');
      line(`rows                         ${ROWS.toLocaleString('en')} (${ALTERED} with an altered amount)`);
      line(
        `reconciliation               ${recon.seconds.toFixed(2)} s (exit ${recon.exitCode}: unresolved remain)`,
      );
      line(`  phases (s from start)      ${recon.phases.replaceAll('@', ' ').replaceAll(',', ', ')}`);
      line(
        `floor (COPY + hash join)     ${floorMean.toFixed(2)} s (${floorBefore.toFixed(2)} / ${floorAfter.toFixed(2)})`,
      );
      line(
        `ratio                        ${ratio.toFixed(2)}  (target ≤ ${TARGET_RATIO}) ${ratio <= TARGET_RATIO ? '✔' : '✘'}`,
      );
      line(
        `peak RSS of the reconciliation ${recon.maxRssMb.toFixed(0)} MB (target ≤ ${TARGET_RSS_MB}) ${recon.maxRssMb <= TARGET_RSS_MB ? '✔' : '✘'}`,
      );
    } finally {
      await client.end();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await dropDatabase(server.adminUrl, database).catch(() => undefined);
    await server.stop();
  }
}

await main();
