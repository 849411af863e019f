/**
 * The rate limiter under attack, beside PostgreSQL's TPC-B-like baseline on the same server.
 *
 *   npm run bench:rate-limit      # embedded PostgreSQL under .data/bench-postgres (or DATABASE_URL)
 *
 * The api runs in its own process as in production (rate limits on, production budgets). A
 * legitimate client (a signed-in support agent listing refunds, 15 requests/s, open loop) is timed
 * alone, then while 16 attacking clients (anonymous, closed loop, a worker thread) send as fast as
 * they can; the rounds alternate so background load hits both alike. Figures: requests refused per
 * second (429), the api's CPU per attacking request (what refusing costs the server, steadier than
 * latencies on a loaded machine), the legitimate client's p50/p99 unloaded and attacked (target:
 * attacked p99 < 2× unloaded), and refusals per second as a ratio of pgbench TPS. All loops are
 * bounded by deadlines.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Role, signDevelopmentToken } from '../src/auth/index.js';
import { createOrm, migrateUp } from '../src/db/index.js';
import { entities } from '../src/entities.js';
import { createLogger } from '../src/logging/index.js';
import { startRoleProcess, stopProcess } from './processes.js';
import {
  createDatabase,
  dropDatabase,
  line,
  parseTps,
  percentile,
  pgbench,
  startBenchServer,
  withDatabase,
} from './support.js';

const ATTACKERS = 16;
const ROUNDS = 3;
const ROUND_SECONDS = 6;
const LEGIT_PER_SECOND = 15;
const JWT_SECRET = 'bench-secret-0123456789-0123456789-abcdef';
/** Linux's USER_HZ, the unit of /proc/<pid>/stat times. */
const CLOCK_TICKS = 100;
const LEGIT_QUERY = '{ refunds(first: 5) { edges { node { id status } } } }';

const logger = createLogger({ level: 'warn' });

/** The attackers: closed loops of anonymous requests until the deadline; counts by status. */
const ATTACK = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, clients, seconds } = workerData;
const counts = {};
const deadline = Date.now() + seconds * 1000;
const body = JSON.stringify({ query: '{ __typename }' });
async function loop() {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url + '/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await res.arrayBuffer();
      counts[res.status] = (counts[res.status] ?? 0) + 1;
    } catch { counts.error = (counts.error ?? 0) + 1; }
  }
}
Promise.all(Array.from({ length: clients }, loop)).then(() => parentPort.postMessage(counts));
`;

function attack(url: string, seconds: number): Promise<Record<string, number>> {
  const worker = new Worker(ATTACK, { eval: true, workerData: { url, clients: ATTACKERS, seconds } });
  return new Promise((resolve, reject) => {
    worker.once('message', (counts: Record<string, number>) => resolve(counts));
    worker.once('error', reject);
  });
}

/** The legitimate client: one request every 1/15 s (open loop), latency of each. */
async function legitimate(
  url: string,
  token: string,
  seconds: number,
): Promise<{ ms: number[]; failed: number }> {
  const ms: number[] = [];
  let failed = 0;
  const inFlight: Promise<void>[] = [];
  const deadline = Date.now() + seconds * 1000;
  for (let next = Date.now(); next < deadline; next += 1000 / LEGIT_PER_SECOND) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
    const started = performance.now();
    inFlight.push(
      fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: LEGIT_QUERY }),
      }).then(async (res) => {
        await res.arrayBuffer();
        if (res.status === 200) ms.push(performance.now() - started);
        else failed++;
      }),
    );
  }
  await Promise.all(inFlight);
  return { ms, failed };
}

/** User + system CPU time of a process so far, in ms (Linux `/proc`; 0 elsewhere). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const server = await startBenchServer(logger);
  const database = `bench_ratelimit_${process.pid}`;
  const pgbenchDb = `bench_pgbench_${process.pid}`;
  await createDatabase(server.adminUrl, database);
  await createDatabase(server.adminUrl, pgbenchDb);
  const url = withDatabase(server.adminUrl, database);
  const orm = await createOrm({ url, poolMax: 2, entities, logger });
  await migrateUp(orm);
  await orm.close(true);
  const api = await startRoleProcess('api', {
    NODE_ENV: 'production',
    PORT: '0',
    DATABASE_URL: url,
    MIGRATE_ON_START: 'false',
    JWT_HS256_SECRET: JWT_SECRET,
  });
  try {
    const token = await signDevelopmentToken({
      secret: JWT_SECRET,
      issuer: 'takeout-refunds',
      audience: 'takeout-refunds-api',
      subject: 'bench-agent',
      role: Role.SUPPORT,
      expiresIn: '1h',
    });
    await pgbench(server, pgbenchDb, ['-i', '-s', '1', '-q'], ROUND_SECONDS);
    line(`warm-up: legitimate client alone for 2 s`);
    await legitimate(api.url, token, 2);
    const unloaded: number[] = [];
    const attacked: number[] = [];
    const refused = { count: 0, seconds: 0, accepted: 0, apiCpuMs: 0 };
    let legitFailed = 0;
    const tps: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const alone = await legitimate(api.url, token, ROUND_SECONDS);
      unloaded.push(...alone.ms);
      const cpuBefore = cpuMs(api.child.pid);
      const [underAttack, counts] = await Promise.all([
        legitimate(api.url, token, ROUND_SECONDS),
        attack(api.url, ROUND_SECONDS),
      ]);
      refused.apiCpuMs += cpuMs(api.child.pid) - cpuBefore;
      attacked.push(...underAttack.ms);
      legitFailed += alone.failed + underAttack.failed;
      refused.count += counts['429'] ?? 0;
      refused.accepted += counts['200'] ?? 0;
      refused.seconds += ROUND_SECONDS;
      const bench = parseTps(
        await pgbench(server, pgbenchDb, ['-c', '16', '-j', '2', '-T', String(ROUND_SECONDS)], ROUND_SECONDS),
      );
      tps.push(bench);
      line(
        `round ${round}/${ROUNDS}: legit alone p99 ${percentile(
          [...alone.ms].sort((a, b) => a - b),
          99,
        ).toFixed(1)} ms, ` +
          `attacked p99 ${percentile(
            [...underAttack.ms].sort((a, b) => a - b),
            99,
          ).toFixed(1)} ms; ` +
          `attackers ${JSON.stringify(counts)}; pgbench ${bench.toFixed(0)} TPS`,
      );
    }
    unloaded.sort((a, b) => a - b);
    attacked.sort((a, b) => a - b);
    const refusedPerSecond = refused.count / refused.seconds;
    const pgbenchTps = tps.reduce((a, b) => a + b, 0) / tps.length;
    const p99Ratio = percentile(attacked, 99) / percentile(unloaded, 99);
    line('');
    line(
      `refused by the rate limiter: ${refusedPerSecond.toFixed(0)}/s at ${ATTACKERS} attacking clients ` +
        `(${refused.accepted} of their requests accepted in ${refused.seconds} s); ` +
        `vs pgbench ${pgbenchTps.toFixed(0)} TPS: ratio ${(refusedPerSecond / pgbenchTps).toFixed(2)}`,
    );
    // The api's CPU while attacked: what the attack costs the server, whatever else the machine runs.
    // The legitimate client's requests (15/s, each a full GraphQL query) are in it too: at a low attack
    // rate they dominate the figure per attacking request.
    const attackRequests = refused.count + refused.accepted;
    line(
      `api CPU while attacked: ${(refused.apiCpuMs / refused.seconds / 10).toFixed(0)} % of a core, ` +
        `${((refused.apiCpuMs * 1000) / attackRequests).toFixed(0)} us per attacking request (legitimate requests included)`,
    );
    line(
      `legitimate client: unloaded p50 ${percentile(unloaded, 50).toFixed(1)} ms p99 ${percentile(unloaded, 99).toFixed(1)} ms; ` +
        `attacked p50 ${percentile(attacked, 50).toFixed(1)} ms p99 ${percentile(attacked, 99).toFixed(1)} ms; ` +
        `p99 ratio ${p99Ratio.toFixed(2)} (target < 2) ${p99Ratio < 2 ? 'OK' : 'ABOVE TARGET'}; ${legitFailed} failed`,
    );
  } finally {
    await stopProcess(api);
    await dropDatabase(server.adminUrl, database).catch(() => undefined);
    await dropDatabase(server.adminUrl, pgbenchDb).catch(() => undefined);
    await server.stop();
  }
}

await main();
