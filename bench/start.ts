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
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/db/index.js';
import { createLogger } from '../src/logging/index.js';
import { freePort, line, percentile } from './support.js';

const ROUNDS = Number(process.env['BENCH_START_ROUNDS'] ?? 5);
const dataDir = path.resolve('.data/bench-start');

/** Node's compile cache, where the npm scripts keep it: the bare start gets it too. */
const COMPILE_CACHE = { NODE_COMPILE_CACHE: 'node_modules/.cache/node-compile-cache' };

/** `npm start`, or (`viaNpm` false) the command it runs, to show npm's own share. */
async function npmStart(env: Record<string, string>, viaNpm = true): Promise<number> {
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
  process.kill(-child.pid!, 'SIGINT');
  await exited;
  return readyMs;
}

async function bareProcessStart(port: number): Promise<number> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [path.resolve('dist/bench/bare-postgres.js'), dataDir, String(port)],
    { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...COMPILE_CACHE } },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const readyMs = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(performance.now() - started);
    });
    void exited.then((code) => reject(new Error(`bare PostgreSQL process exited (${code}) before ready`)));
  });
  child.stdin.end();
  await exited;
  return readyMs;
}

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
  line(`first start (initdb, migrations, simulator keys; not counted) in ${dataDir}`);
  line(`  ready after ${((await npmStart(env)) / 1000).toFixed(2)} s`);
  const warm: number[] = [];
  const bare: number[] = [];
  const server: number[] = [];
  const direct: number[] = [];
  const s = (ms: number | undefined) => `${((ms ?? NaN) / 1000).toFixed(2)} s`;
  for (let round = 1; round <= ROUNDS; round++) {
    bare.push(await bareProcessStart(Number(env.EMBEDDED_PG_PORT)));
    server.push(await bareStart(Number(env.EMBEDDED_PG_PORT)));
    warm.push(await npmStart(env));
    direct.push(await npmStart(env, false));
    line(
      `round ${round}/${ROUNDS}: bare PostgreSQL process ${s(bare.at(-1))} ` +
        `(server alone ${s(server.at(-1))}), warm npm start ${s(warm.at(-1))} ` +
        `(without npm ${s(direct.at(-1))})`,
    );
  }
  const median = (values: number[]) =>
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    );
  const ratio = median(warm) / median(bare);
  line(
    `median: warm npm start ${(median(warm) / 1000).toFixed(2)} s (without npm ${s(median(direct))}), bare embedded PostgreSQL ` +
      `${(median(bare) / 1000).toFixed(2)} s (server alone ${s(median(server))}): ratio ${ratio.toFixed(2)} ` +
      `(target ≤ 3 ${ratio <= 3 ? '✔' : '✘'})`,
  );
  rmSync(dataDir, { recursive: true, force: true });
}

await main();
