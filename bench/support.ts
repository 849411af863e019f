/**
 * What every benchmark shares: a PostgreSQL server (embedded unless DATABASE_URL), throw-away
 * databases on it, and pgbench's TPC-B-like baseline measured on that same server in the same run.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { quoteIdent, startEmbeddedPostgres } from '../src/db/index.js';
import type { Logger } from '../src/logging/index.js';
import { freePort } from '../src/net/index.js';

export interface BenchServer {
  readonly adminUrl: string;
  stop(): Promise<void>;
}

/** The embedded server, unless DATABASE_URL names one; `settings` (`-c`) apply to the embedded one only. */
export async function startBenchServer(
  logger: Logger,
  settings?: Readonly<Record<string, string>>,
): Promise<BenchServer> {
  const external = process.env['DATABASE_URL'];
  if (external !== undefined) return { adminUrl: external, stop: async () => {} };
  line('starting embedded PostgreSQL (.data/bench-postgres)');
  const embedded = await startEmbeddedPostgres({
    dataDir: path.resolve('.data/bench-postgres'),
    port: await freePort(),
    database: 'postgres',
    logger,
    ...(settings ? { settings } : {}),
  });
  return { adminUrl: embedded.adminUrl, stop: embedded.stop };
}

/** Runs pgbench against `database`, streaming its progress lines; resolves with its stdout. */
export function pgbench(
  server: BenchServer,
  database: string,
  args: string[],
  seconds: number,
): Promise<string> {
  const url = new URL(withDatabase(server.adminUrl, database));
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) };
  const child = spawn(
    process.env['PGBENCH'] ?? '/usr/bin/pgbench',
    [
      // A socket directory (percent-encoded in the URL) or a host name: pgbench connects the way the app does.
      '-h',
      decodeURIComponent(url.hostname),
      '-p',
      url.port || '5432',
      '-U',
      decodeURIComponent(url.username),
      ...args,
      database,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    for (const text of chunk.toString().split('\n'))
      if (/^progress:|error|FATAL/i.test(text)) line(`  pgbench ${text}`);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGTERM'), (seconds + 120) * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`pgbench exited with ${code}`));
    });
  });
}

export function parseTps(output: string): number {
  const match =
    /tps = ([0-9.]+) \(without initial connection time\)/.exec(output) ?? /tps = ([0-9.]+)/.exec(output);
  if (match === null) throw new Error(`no tps in pgbench output:\n${output}`);
  return Number(match[1]);
}

export async function createDatabase(adminUrl: string, name: string): Promise<void> {
  await dropDatabase(adminUrl, name);
  await admin(adminUrl, `create database ${quoteIdent(name)}`);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await admin(adminUrl, `drop database if exists ${quoteIdent(name)} with (force)`);
}

async function admin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** How clients reach the server: the same for the application and for pgbench. */
export function transport(url: string): string {
  const host = decodeURIComponent(new URL(url).hostname);
  return host.startsWith('/') ? `Unix socket in ${host}` : `TCP to ${host}`;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor((p / 100) * sortedMs.length))]!;
}

export function line(text: string): void {
  process.stdout.write(`${text}\n`);
}

export { freePort };
