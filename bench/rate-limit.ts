/**
 * The rate limiter under attack, beside PostgreSQL's TPC-B-like baseline on the same server.
 *
 *   npm run bench:rate-limit      # embedded PostgreSQL under .data/bench-postgres (or DATABASE_URL)
 *   RL_ROUNDS=7 RL_SECONDS=8 npm run bench:rate-limit
 *
 * The api runs in its own process as in production (rate limits on, production budgets). A
 * legitimate client (a signed-in support agent listing refunds, 15 requests/s, open loop) is timed in
 * three phases per round: alone; while 16 attacking clients (anonymous, closed loop, a worker thread of
 * this process) flood the api; and while the same attackers flood a control server instead (a bare
 * node:http server in its own process answering every request with a prepared 429). On this 2-core
 * machine the attackers' own CPU competes with the api for the cores, so the control phase measures what
 * the attack costs the legitimate client whatever server refuses it; the api's own share is the
 * difference. The attacked and control phases alternate in order from round to round.
 *
 * Figures, per round and as the median over rounds: requests refused per second (429), the legitimate
 * client's p99 attacked / alone and control / alone (target: attacked < 2x alone), CPU shares of the
 * api, of this process (the attackers and the legitimate client) and of the control server as % of one
 * core, the api's CPU per refused request, the load average; then refusals per second as a ratio of
 * pgbench TPS. All loops are bounded by deadlines.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
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
const ROUNDS = Number(process.env['RL_ROUNDS'] ?? 5);
const ROUND_SECONDS = Number(process.env['RL_SECONDS'] ?? 6);
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

/**
 * The control server: a bare node:http server in its own process answering every request with a
 * prepared 429 of the size the api's refusal has, as cheap as refusing gets in Node. Resolves its URL.
 */
function startControlServer(): Promise<{ child: ChildProcess; url: string }> {
  const script = `
    const http = require('node:http');
    const body = JSON.stringify({ errors: [{ message: 'Too many requests: retry after 60 s.',
      extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 60, requestId: 'req_0000000000000000000000' } }] });
    const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body),
      'retry-after': '60' };
    const server = http.createServer((req, res) => { req.resume(); res.writeHead(429, headers); res.end(body); });
    server.keepAliveTimeout = 72000;
    server.listen(0, '127.0.0.1', () => console.log('port=' + server.address().port));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (chunk: Buffer) => {
      const port = /port=(\d+)/.exec(chunk.toString())?.[1];
      if (port === undefined) return reject(new Error(`control server: ${chunk.toString()}`));
      resolve({ child, url: `http://127.0.0.1:${port}` });
    });
  });
}

/** This process's user + system CPU so far (all its threads: the attackers' worker too), in ms. */
const selfCpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

const p99 = (ms: readonly number[]): number =>
  percentile(
    [...ms].sort((a, b) => a - b),
    99,
  );
const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface AttackPhase {
  readonly legitP99: number;
  readonly legitFailed: number;
  readonly refused: number;
  readonly accepted: number;
  /** CPU as % of one core over the phase. */
  readonly apiCpu: number;
  readonly selfCpu: number;
  readonly controlCpu: number;
  /** The api's CPU time per attacking request (refused or accepted), legitimate requests included. */
  readonly apiUsPerRequest: number;
  /** The control server's, the same way (a refusal at its cheapest in Node). */
  readonly controlUsPerRequest: number;
  /** The api's CPU time over the phase (ms) and the attackers' requests answered. */
  readonly apiCpuMs: number;
  readonly requests: number;
}

/** The legitimate client on the api while the attackers flood `target` (the api or the control server). */
async function attackPhase(
  api: { url: string; pid: number | undefined },
  control: { pid: number | undefined },
  target: string,
  token: string,
): Promise<AttackPhase & { ms: number[] }> {
  const before = {
    api: cpuMs(api.pid),
    self: selfCpuMs(),
    control: cpuMs(control.pid),
    at: performance.now(),
  };
  const [legit, counts] = await Promise.all([
    legitimate(api.url, token, ROUND_SECONDS),
    attack(target, ROUND_SECONDS),
  ]);
  const share = (ms: number) => (ms / (performance.now() - before.at)) * 100;
  const requests = Math.max(1, (counts['429'] ?? 0) + (counts['200'] ?? 0));
  return {
    ms: legit.ms,
    legitP99: p99(legit.ms),
    legitFailed: legit.failed,
    refused: (counts['429'] ?? 0) / ROUND_SECONDS,
    accepted: counts['200'] ?? 0,
    apiCpu: share(cpuMs(api.pid) - before.api),
    selfCpu: share(selfCpuMs() - before.self),
    controlCpu: share(cpuMs(control.pid) - before.control),
    apiUsPerRequest: ((cpuMs(api.pid) - before.api) * 1000) / requests,
    controlUsPerRequest: ((cpuMs(control.pid) - before.control) * 1000) / requests,
    apiCpuMs: cpuMs(api.pid) - before.api,
    requests,
  };
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
  const control = await startControlServer();
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
    line(`warm-up: legitimate client alone for 2 s, attackers on the api and the control for 2 s each`);
    await legitimate(api.url, token, 2);
    await attack(api.url, 2);
    await attack(control.url, 2);
    const target = { url: api.url, pid: api.child.pid };
    const alone: number[] = [];
    const attacked: number[] = [];
    const rounds: { alone: number; api: AttackPhase; control: AttackPhase; load: number }[] = [];
    let legitFailed = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const quiet = await legitimate(api.url, token, ROUND_SECONDS);
      alone.push(...quiet.ms);
      legitFailed += quiet.failed;
      // Alternate which attacked phase comes first, so a drift in background load hits both alike.
      const phases: ('api' | 'control')[] = round % 2 === 1 ? ['api', 'control'] : ['control', 'api'];
      const result: Partial<Record<'api' | 'control', AttackPhase & { ms: number[] }>> = {};
      for (const phase of phases) {
        result[phase] = await attackPhase(
          target,
          { pid: control.child.pid },
          phase === 'api' ? api.url : control.url,
          token,
        );
      }
      const onApi = result.api!;
      const onControl = result.control!;
      attacked.push(...onApi.ms);
      legitFailed += onApi.legitFailed + onControl.legitFailed;
      const load = loadavg()[0]!;
      rounds.push({ alone: p99(quiet.ms), api: onApi, control: onControl, load });
      line(
        `round ${round}/${ROUNDS}: legit p99 alone ${p99(quiet.ms).toFixed(1)} ms, api attacked ${onApi.legitP99.toFixed(1)} ms ` +
          `(x${(onApi.legitP99 / p99(quiet.ms)).toFixed(2)}), control attacked ${onControl.legitP99.toFixed(1)} ms ` +
          `(x${(onControl.legitP99 / p99(quiet.ms)).toFixed(2)}); refused ${onApi.refused.toFixed(0)}/s (control ${onControl.refused.toFixed(0)}/s), ` +
          `${onApi.accepted} accepted; CPU % of a core: api ${onApi.apiCpu.toFixed(0)}, attackers+legit ${onApi.selfCpu.toFixed(0)} ` +
          `| control phase: control ${onControl.controlCpu.toFixed(0)}, attackers+legit ${onControl.selfCpu.toFixed(0)}, api ${onControl.apiCpu.toFixed(0)}; load ${load.toFixed(2)}`,
      );
    }
    const tps = parseTps(
      await pgbench(server, pgbenchDb, ['-c', '16', '-j', '2', '-T', String(ROUND_SECONDS)], ROUND_SECONDS),
    );
    const med = (f: (r: (typeof rounds)[number]) => number) => median(rounds.map(f));
    const refusedPerSecond = med((r) => r.api.refused);
    const ratio = med((r) => r.api.legitP99 / r.alone);
    const controlRatio = med((r) => r.control.legitP99 / r.alone);
    const pooledRatio = p99(attacked) / p99(alone);
    line('');
    line(
      `medians over ${ROUNDS} rounds of ${ROUND_SECONDS} s (load average 1 min: ${rounds.map((r) => r.load.toFixed(2)).join(', ')}):`,
    );
    line(
      `refused by the rate limiter: ${refusedPerSecond.toFixed(0)}/s at ${ATTACKERS} attacking clients ` +
        `(the control server: ${med((r) => r.control.refused).toFixed(0)}/s); vs pgbench ${tps.toFixed(0)} TPS: ratio ${(refusedPerSecond / tps).toFixed(2)}`,
    );
    line(
      `CPU, % of one core: api ${med((r) => r.api.apiCpu).toFixed(0)} while attacked, ${med((r) => r.api.apiUsPerRequest).toFixed(0)} us per attacking request ` +
        `(legitimate requests included; without them, less the api's CPU in the control phase: ` +
        `${med((r) => ((r.api.apiCpuMs - r.control.apiCpuMs) * 1000) / r.api.requests).toFixed(0)} us); attackers + legitimate client ${med((r) => r.api.selfCpu).toFixed(0)}; ` +
        `control server ${med((r) => r.control.controlCpu).toFixed(0)}, ${med((r) => r.control.controlUsPerRequest).toFixed(0)} us per request ` +
        `(attackers ${med((r) => r.control.selfCpu).toFixed(0)})`,
    );
    line(
      `legitimate client p99, attacked / alone: x${ratio.toFixed(2)} (target < 2) ${ratio < 2 ? 'OK' : 'ABOVE TARGET'}; ` +
        `control / alone: x${controlRatio.toFixed(2)} (the attackers' own load, whatever refuses them); ` +
        `pooled over all rounds x${pooledRatio.toFixed(2)} (alone p50 ${percentile(
          [...alone].sort((a, b) => a - b),
          50,
        ).toFixed(1)} / p99 ${p99(alone).toFixed(1)} ms, ` +
        `attacked p50 ${percentile(
          [...attacked].sort((a, b) => a - b),
          50,
        ).toFixed(1)} / p99 ${p99(attacked).toFixed(1)} ms); ${legitFailed} failed`,
    );
  } finally {
    control.child.kill('SIGTERM');
    await stopProcess(api);
    await dropDatabase(server.adminUrl, database).catch(() => undefined);
    await dropDatabase(server.adminUrl, pgbenchDb).catch(() => undefined);
    await server.stop();
  }
}

await main();
