/**
 * `npm run bench:start`: how long a warm `npm start` takes to be ready, against a bare embedded
 * PostgreSQL start on the same cluster, measured in the same run (target: at most 3×).
 *
 * Rounds alternate the two, because this machine's speed drifts within a run. A warm start is
 * `npm start` (npm, the build check, Node, PostgreSQL, migrations check, job queue, simulators,
 * GraphQL) with unchanged sources and an existing cluster, timed from spawning npm to the printed
 * GraphQL URL; it is stopped with SIGINT to its process group, as Ctrl-C in a terminal does. The bare
 * start is what starting the embedded PostgreSQL costs a user: a Node process that starts it on the
 * same data directory (`bare-postgres.ts`), timed from spawning it until PostgreSQL accepts
 * connections, with Node's compile cache as the npm scripts have it. The server's own share (started
 * from this already-running process) and the warm start without npm (the command `npm start` runs:
 * npm's own start-up is about 0.2 s of the figure) are printed beside them, for reference.
 *
 * The floor (`start-floor.ts`, through `npm run bench:start:floor`) is what a warm start cannot avoid
 * whatever the service does: npm starting a Node script, that script loading the libraries the API
 * needs (bundled, with the compile cache, as `npm start` loads them) while the bare embedded
 * PostgreSQL start runs beside it. Its ratio to the bare start says whether the target is within
 * reach on this machine at all.
 *
 * Each round and the medians carry the 1-minute load average; a last warm start prints its start
 * timeline (`START_TIMELINE=true`: each step's wall and CPU time).
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { build } from 'esbuild';
import { nodeBundleOptions } from '../src/cli/build-server.js';
import { startEmbeddedPostgres } from '../src/db/index.js';
import { createLogger } from '../src/logging/index.js';
import { freePort, line, percentile } from './support.js';

const ROUNDS = Number(process.env['BENCH_START_ROUNDS'] ?? 5);
const load = (): string => loadavg()[0]!.toFixed(1);
const dataDir = path.resolve('.data/bench-start');

/** Node's compile cache, where the npm scripts keep it: the bare start gets it too. */
const COMPILE_CACHE = { NODE_COMPILE_CACHE: 'node_modules/.cache/node-compile-cache' };

/**
 * `npm start`, or (`viaNpm` false) the command it runs, to show npm's own share: the time to its
 * GraphQL URL. With `output`, it is stopped only once the start timeline is printed, which goes to it.
 */
async function npmStart(
  env: Record<string, string>,
  viaNpm = true,
  output?: (text: string) => void,
): Promise<number> {
  const started = performance.now();
  const [command, args] = viaNpm
    ? ['npm', ['start', '--silent']]
    : [process.execPath, ['src/cli/run.ts', 'server/start.js', 'all']];
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env, ...(viaNpm ? {} : { NODE_ENV: 'development', ...COMPILE_CACHE }) },
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const readyMs = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('GraphQL: http')) resolve(performance.now() - started);
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    void exited.then((code) => reject(new Error(`npm start exited (${code}) before ready:\n${out}`)));
    setTimeout(() => reject(new Error(`npm start not ready after 120 s:\n${out}`)), 120_000).unref();
  });
  if (output !== undefined) {
    for (let waitedMs = 0; !/start timeline[^]*workers started/.test(out); waitedMs += 20) {
      if (waitedMs > 30_000) throw new Error(`no start timeline 30 s after ready:\n${out}`);
      await delay(20);
    }
    output(out.slice(out.indexOf('start timeline')));
  }
  process.kill(-child.pid!, 'SIGINT');
  await exited;
  await postgresGone();
  return readyMs;
}

/**
 * npm may exit on Ctrl-C before the app has stopped its PostgreSQL: the next start would find the
 * data directory still locked (and, after 3 s, refuse it). Waits until the server is gone.
 */
async function postgresGone(): Promise<void> {
  const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
  for (let waitedMs = 0; existsSync(pidFile); waitedMs += 20) {
    if (waitedMs > 60_000) throw new Error(`PostgreSQL still running on ${dataDir} a minute after the stop`);
    await delay(20);
  }
}

/** A process that prints `ready` (then stops when its stdin closes, or on its own): time to that line. */
async function untilReady(
  what: string,
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<number> {
  const started = performance.now();
  const child = spawn(command, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...COMPILE_CACHE, ...env },
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const readyMs = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(performance.now() - started);
    });
    void exited.then((code) => reject(new Error(`${what} exited (${code}) before ready:\n${errors}`)));
  });
  child.stdin.end();
  await exited;
  return readyMs;
}

const bareProcessStart = (port: number): Promise<number> =>
  untilReady('bare PostgreSQL process', process.execPath, [
    path.resolve('dist/bench/bare-postgres.js'),
    dataDir,
    String(port),
  ]);

/** The floor, bundled as `npm start`'s server is (dist/bench/start-floor/, run by `npm run bench:start:floor`). */
async function bundleFloor(): Promise<void> {
  const outdir = path.resolve('dist/bench/start-floor');
  rmSync(outdir, { recursive: true, force: true });
  // With the supervisor the PostgreSQL start spawns from its own directory, as in dist/server/.
  const entries = {
    'start-floor': 'dist/bench/start-floor.js',
    'postgres-supervisor': 'dist/src/db/postgres-supervisor.js',
  };
  await build(nodeBundleOptions(process.cwd(), entries, outdir));
}

const floorStart = (env: Record<string, string>): Promise<number> =>
  untilReady('floor (npm run bench:start:floor)', 'npm', ['run', '--silent', 'bench:start:floor'], env);

async function bareStart(port: number): Promise<number> {
  const started = performance.now();
  const embedded = await startEmbeddedPostgres({
    dataDir,
    port,
    database: 'postgres',
    logger: createLogger({ level: 'silent' }),
  });
  const readyMs = performance.now() - started;
  await embedded.stop();
  return readyMs;
}

async function main(): Promise<void> {
  rmSync(dataDir, { recursive: true, force: true });
  const env = {
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    SIMULATOR_WECHATPAY_PORT: String(await freePort()),
    SIMULATOR_ALIPAY_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  };
  await bundleFloor();
  line(`first start (initdb, migrations, simulator keys; not counted) in ${dataDir}`);
  line(`  ready after ${((await npmStart(env)) / 1000).toFixed(2)} s`);
  line(
    `floor's first run (fills the compile cache; not counted): ${((await floorStart(env)) / 1000).toFixed(2)} s`,
  );
  const warm: number[] = [];
  const bare: number[] = [];
  const server: number[] = [];
  const direct: number[] = [];
  const floor: number[] = [];
  const s = (ms: number | undefined) => `${((ms ?? NaN) / 1000).toFixed(2)} s`;
  for (let round = 1; round <= ROUNDS; round++) {
    bare.push(await bareProcessStart(Number(env.EMBEDDED_PG_PORT)));
    server.push(await bareStart(Number(env.EMBEDDED_PG_PORT)));
    floor.push(await floorStart(env));
    warm.push(await npmStart(env));
    direct.push(await npmStart(env, false));
    line(
      `round ${round}/${ROUNDS}: bare PostgreSQL process ${s(bare.at(-1))} ` +
        `(server alone ${s(server.at(-1))}), floor ${s(floor.at(-1))}, warm npm start ${s(warm.at(-1))} ` +
        `(without npm ${s(direct.at(-1))}); load average ${load()}`,
    );
  }
  const median = (values: number[]) =>
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    );
  const ratio = median(warm) / median(bare);
  const floorRatio = median(floor) / median(bare);
  line(
    `median: warm npm start ${(median(warm) / 1000).toFixed(2)} s (without npm ${s(median(direct))}), bare embedded PostgreSQL ` +
      `${(median(bare) / 1000).toFixed(2)} s (server alone ${s(median(server))}): ratio ${ratio.toFixed(2)} ` +
      `(target ≤ 3 ${ratio <= 3 ? '✔' : '✘'}); floor ${s(median(floor))}: floor ÷ bare ${floorRatio.toFixed(2)}; ` +
      `load average ${load()}`,
  );
  line(
    '  floor = npm running a Node script that loads fastify, graphql, type-graphql, @apollo/server (+ its ' +
      'Fastify integration), pg and MikroORM (bundled, compile cache on) while the bare PostgreSQL start runs beside it',
  );
  if (floorRatio > 3) {
    line(
      `  the floor alone is ${floorRatio.toFixed(2)}× the bare start: ≤ 3× is out of reach on this machine by this ` +
        `measurement; the service's own share is warm − floor = ${s(median(warm) - median(floor))}`,
    );
  } else {
    line(`  the service's own share (warm − floor): ${s(median(warm) - median(floor))}`);
  }
  await npmStart({ ...env, START_TIMELINE: 'true' }, true, (timeline) => {
    line(`one more warm npm start, with START_TIMELINE=true (wall and CPU ms since Node started):`);
    for (const step of timeline.trimEnd().split('\n').slice(1)) line(`  ${step}`);
  });
  rmSync(dataDir, { recursive: true, force: true });
}

await main();
