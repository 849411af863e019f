import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../support/db.js';
import { startGoodbyeRelay, type GoodbyeRelay } from '../support/goodbye-relay.js';

/**
 * A worker stopping while the database ends its sessions (a restart, a failover, an operator): every
 * connection the process holds may receive PostgreSQL's FATAL 57P01 after the process said goodbye on
 * it. A connection with no 'error' listener at that moment ends the process ("Unhandled 'error'
 * event"): pg-boss's LISTEN connection did (it takes its listeners off before ending), which crashed
 * about one simulator seed in 200. Run in a child process (the built service), so that a crash is a
 * crash and not an error the test runner catches.
 */
const dist = (file: string): string => pathToFileURL(path.resolve('dist', file)).href;

/** Starts the worker role `rounds` times and stops it; with `kill`, ends every session meanwhile. */
const CHILD = `
const [databaseUrl, adminUrl, database, rounds, kill] = process.argv.slice(1);
const { startApp } = await import(${JSON.stringify(dist('src/main.js'))});
const { loadConfig } = await import(${JSON.stringify(dist('src/config/index.js'))});
const { createLogger } = await import(${JSON.stringify(dist('src/logging/index.js'))});
const { adminStatement } = await import(${JSON.stringify(dist('src/db/index.js'))});
const config = loadConfig({
  NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl, MIGRATE_ON_START: 'false',
  SIMULATORS: 'false', DATA_DIR: ${JSON.stringify(path.join(tmpdir(), `refunds-stop-${process.pid}`))},
  JWT_HS256_SECRET: 'test-secret-0123456789-0123456789-abcdef',
});
for (let round = 1; round <= Number(rounds); round++) {
  const app = await startApp(config, 'worker', createLogger({ level: 'silent' }));
  let stopped = false;
  const stopping = app.stop('test').finally(() => (stopped = true));
  // As PostgreSQL stopping does: every session of the database ended, again and again, while the
  // worker shuts down (its pools, its LISTEN connection, its sweeper's statements).
  while (kill === 'kill' && !stopped) {
    await adminStatement(adminUrl, 'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]).catch(() => undefined);
  }
  await stopping;
  process.stdout.write('stopped ' + round + '\\n');
}
`;

function runChild(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

describe('a worker stopping while PostgreSQL ends its sessions', () => {
  let database: { url: string; drop: () => Promise<void> };
  let relay: GoodbyeRelay;
  beforeAll(async () => {
    database = await createTestDatabase();
    relay = await startGoodbyeRelay(database.url, inject('pgAdminUrl'));
  });
  afterAll(async () => {
    await relay?.close();
    await database?.drop();
  });
  const name = () => new URL(database.url).pathname.slice(1);

  it('survives a FATAL that crosses the goodbye of every connection it closes', async () => {
    const { code, out } = await runChild([relay.url, inject('pgAdminUrl'), name(), '2', 'no-kill']);
    expect(out).not.toMatch(/Unhandled|uncaught/i);
    expect(out).toContain('stopped 2');
    expect(code).toBe(0);
    // The ORM's pool, the job queue's pool and its LISTEN connection, in each round.
    expect(relay.crossed()).toBeGreaterThanOrEqual(6);
  }, 60_000);

  it('survives every session being ended again and again while it stops', async () => {
    const { code, out } = await runChild([database.url, inject('pgAdminUrl'), name(), '4', 'kill']);
    expect(out).not.toMatch(/Unhandled|uncaught/i);
    expect(out).toContain('stopped 4');
    expect(code).toBe(0);
  }, 60_000);
});
