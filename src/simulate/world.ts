/**
 * Where a seed runs: one real PostgreSQL per simulate process (embedded unless DATABASE_URL) with a
 * migrated template database; per seed a fresh database cloned from it, both provider simulators on
 * one virtual clock, the api in this process and the worker beside it (stopped and started again to
 * simulate crashes).
 */
import { mkdtemp, rm, chmod, statfs, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../config/index.js';
import { setTimeout as delay } from 'node:timers/promises';
import {
  adminStatement,
  createOrm,
  isAlive,
  isDatabaseUnavailable,
  migrateUp,
  quoteIdent,
  startEmbeddedPostgres,
} from '../db/index.js';
import { entities } from '../entities.js';
import type { Logger } from '../logging/index.js';
import { startApp, type RunningApp } from '../main.js';
import { startAlipaySimulator, type StartedAlipaySimulator } from '../simulators/alipay/index.js';
import { createSimClock, simulatorProviderEnv, type SimClock } from '../simulators/index.js';
import { startWechatPaySimulator, type StartedWechatPaySimulator } from '../simulators/wechatpay/index.js';
import type { Scenario } from './scenario.js';
import { settlesWithin, watched } from './watch.js';
import { freePort } from '../net/index.js';

/** Provider calls time out quickly so that hung calls (HANG_MS) are timeouts and a seed takes seconds. */
const PROVIDER_TIMEOUT_MS = 600;
/** How long a simulated crash waits for the crashed worker's shutdown before leaving it to itself. */
const CRASHED_STOP_MS = 3_000;
const DEV_SECRET = 'simulate-secret-0123456789-0123456789-abcdef';
/** Free memory a RAM-backed scratch directory needs before the simulator uses it (two clusters' WAL and clones). */
const SHM_NEEDED_BYTES = 2 * 1024 ** 3;

/**
 * Where the scratch cluster and the simulators' files go: `SIMULATE_TMPDIR` if set, else `/dev/shm`
 * when it is a RAM file system with room, else the system's temporary directory. Every seed creates a
 * database (about a thousand relation files) and drops one; on ext4 that file churn was the largest
 * CPU item of a seed run (the inode allocator's search past recently deleted inodes), and a seed's
 * wait for its clone fell from about 300 ms to 28 ms in RAM (30 seeds, both ways, same load).
 */
const SCRATCH_PREFIX = 'refunds-simulate-';
/** The process that made a scratch directory, so a later run can tell when it died without removing it. */
const OWNER_FILE = 'owner.pid';

/**
 * Removes the scratch directories under `root` whose owner process is gone (a run that was killed
 * never reaches its own `close`; in `/dev/shm` what it left holds memory until someone removes it).
 * A directory without an owner file, or whose owner still runs, is left alone.
 */
export async function sweepStaleScratch(root: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!name.startsWith(SCRATCH_PREFIX)) continue;
    const dir = path.join(root, name);
    const owner = Number(await readFile(path.join(dir, OWNER_FILE), 'utf8').catch(() => ''));
    if (!Number.isInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    removed.push(dir);
  }
  return removed;
}

async function scratchRoot(): Promise<string> {
  const chosen = process.env.SIMULATE_TMPDIR;
  if (chosen !== undefined && chosen !== '') return chosen;
  try {
    const shm = await statfs('/dev/shm');
    if (shm.bavail * shm.bsize >= SHM_NEEDED_BYTES) return '/dev/shm';
  } catch {
    // no /dev/shm here
  }
  return tmpdir();
}

export interface Environment {
  readonly adminUrl: string;
  readonly template: string;
  readonly dataDir: string;
  readonly logger: Logger;
  /** Stops PostgreSQL and starts it again (embedded only; a shared server is never restarted). */
  readonly restartDatabase: (() => Promise<void>) | undefined;
  /** Work left running past a seed (dropping its database); `close` waits for it, failures ignored. */
  track(work: Promise<unknown>): void;
  /** A fresh clone of the template for a seed: the one `prepareDatabase` made ahead, or a new one. */
  takeDatabase(): Promise<string>;
  /** Starts cloning the next seed's database now (while this seed runs), unless one is ready. */
  prepareDatabase(): void;
  close(): Promise<void>;
}

/**
 * `server`: a PostgreSQL to use (the role needs CREATEDB), and optionally a migrated database on it to
 * clone (the test suite's template); without it, an embedded PostgreSQL in a temporary directory.
 */
export async function openEnvironment(
  logger: Logger,
  server: { adminUrl: string; template?: string } | undefined,
): Promise<Environment> {
  const root = await scratchRoot();
  await sweepStaleScratch(root);
  const dataDir = await mkdtemp(path.join(root, SCRATCH_PREFIX));
  await writeFile(path.join(dataDir, OWNER_FILE), String(process.pid));
  await chmod(dataDir, 0o711); // as root, the cluster's `postgres` user must reach its directory
  let adminUrl = server?.adminUrl;
  let stopServer = async (): Promise<void> => {};
  let restartDatabase: Environment['restartDatabase'];
  if (adminUrl === undefined) {
    const port = await freePort();
    const start = () =>
      startEmbeddedPostgres({
        dataDir: path.join(dataDir, 'pg'),
        port,
        database: 'postgres',
        logger,
        // A scratch cluster: a restart (a process stopping) loses nothing without fsync. Its roles'
        // passwords are hashed with one SCRAM iteration, not 4,096: every connection (a seed opens
        // dozens) verifies its password against that hash, and nothing here needs it to be slow.
        // WAL is kept small, since the directory may be in memory.
        settings: { fsync: 'off', full_page_writes: 'off', scram_iterations: '1', max_wal_size: '256MB' },
      });
    let embedded = await start();
    adminUrl = embedded.adminUrl;
    stopServer = () => embedded.stop();
    restartDatabase = async () => {
      await embedded.stop();
      embedded = await start();
    };
  }
  const url = adminUrl;
  const ownTemplate = server?.template === undefined;
  const template = server?.template ?? `simtmpl_${process.pid}`;
  if (ownTemplate) await createTemplate(url, template, dataDir, logger);
  const tracked = new Set<Promise<unknown>>();
  let clones = 0;
  let spare: Promise<string> | undefined;
  const clone = async (): Promise<string> => {
    const database = `sim_${process.pid}_${++clones}`;
    await adminStatement(url, `drop database if exists ${quoteIdent(database)} with (force)`);
    await adminStatement(url, `create database ${quoteIdent(database)} template ${quoteIdent(template)}`);
    return database;
  };
  const dropSpare = async (): Promise<void> => {
    const left = await spare?.catch(() => undefined);
    spare = undefined;
    if (left !== undefined)
      await adminStatement(url, `drop database if exists ${quoteIdent(left)} with (force)`).catch(() => 0);
  };
  return {
    adminUrl: url,
    template,
    dataDir,
    logger,
    restartDatabase,
    async takeDatabase() {
      const ready = spare;
      spare = undefined;
      // A clone that a database restart broke is made again.
      return (await ready?.catch(() => undefined)) ?? clone();
    },
    prepareDatabase() {
      spare ??= clone();
      spare.catch(() => undefined);
    },
    track(work) {
      const settled = work.catch(() => undefined).finally(() => tracked.delete(settled));
      tracked.add(settled);
    },
    async close() {
      await Promise.all(tracked);
      await dropSpare();
      if (ownTemplate)
        await adminStatement(url, `drop database if exists ${quoteIdent(template)} with (force)`).catch(
          () => undefined,
        );
      await stopServer();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A database with every migration, the job queue's schema and the service's queues, cloned for each
 * seed: what every start of the service would otherwise write again.
 */
async function createTemplate(
  adminUrl: string,
  template: string,
  dataDir: string,
  logger: Logger,
): Promise<void> {
  await adminStatement(adminUrl, `drop database if exists ${quoteIdent(template)} with (force)`);
  await adminStatement(adminUrl, `create database ${quoteIdent(template)}`);
  const templateUrl = withDatabase(adminUrl, template);
  const orm = await createOrm({ url: templateUrl, poolMax: 2, entities, logger });
  try {
    await migrateUp(orm);
  } finally {
    await orm.close(true);
  }
  // The api registers every queue, the worker schedules the crons (and the simulators' keys are
  // made, once, in dataDir).
  const clock = createSimClock({ frozen: true });
  const simulators = await startSimulators(dataDir, clock, logger, {});
  try {
    const config = serviceSettings(dataDir, logger, templateUrl, simulators.providerEnv, {});
    await (await startApp(config, 'api', logger)).stop('template ready');
    await (await startApp(config, 'worker', logger)).stop('template ready');
  } finally {
    clock.dispose();
    await simulators.close();
  }
}

interface SeedSimulators {
  readonly wechat: StartedWechatPaySimulator;
  readonly alipay: StartedAlipaySimulator;
  /** The service's provider settings pointing at these two. */
  readonly providerEnv: Record<string, string>;
  close(): Promise<void>;
}

/** Both provider simulators on one clock, with the notify schedules compressed a thousandfold. */
async function startSimulators(
  dataDir: string,
  clock: SimClock,
  logger: Logger,
  plan: Partial<Pick<Scenario, 'wechatProcessingMs' | 'alipayProcessingMs'>>,
): Promise<SeedSimulators> {
  const simLogger = logger.child({ component: 'simulators' });
  const wechatProcessingMs = plan.wechatProcessingMs ?? 0;
  const alipayProcessingMs = plan.alipayProcessingMs ?? 0;
  const wechat = await startWechatPaySimulator({
    dataDir: path.join(dataDir, 'simulators', 'wechatpay'),
    clock,
    logger: simLogger,
    refundLifecycle:
      wechatProcessingMs === 0 ? { mode: 'immediate' } : { mode: 'auto', afterMs: wechatProcessingMs },
    notify: { timeCompression: 1_000, ackTimeoutMs: 2_000 },
  });
  const alipay = await startAlipaySimulator({
    dataDir: path.join(dataDir, 'simulators'),
    clock,
    logger: simLogger,
    notifyTimeCompression: 1_000,
    notifyDeliveryTimeoutMs: 2_000,
    refundMode: alipayProcessingMs === 0 ? 'immediate' : 'processing',
    processingMs: alipayProcessingMs,
  });
  const providerEnv = simulatorProviderEnv({
    wechatpay: wechat,
    all: { wechatpay: wechat, alipay },
    close: async () => {},
  });
  return {
    wechat,
    alipay,
    providerEnv,
    close: async () => void (await Promise.all([wechat.close(), alipay.close()])),
  };
}

/** The service's settings in the simulator: short timeouts so that a seed takes seconds. */
function serviceSettings(
  dataDir: string,
  logger: Logger,
  databaseUrl: string,
  providerEnv: Record<string, string>,
  extra: Record<string, string>,
) {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: logger.level,
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: '4',
    MIGRATE_ON_START: 'false',
    SIMULATORS: 'false',
    // The back office is not what a seed exercises; its assets would be read again at every api start.
    CONSOLE_ENABLED: 'false',
    DATA_DIR: dataDir,
    JWT_HS256_SECRET: DEV_SECRET,
    RATE_LIMIT_EXEMPT_LOOPBACK: 'true',
    PROVIDER_TIMEOUT_MS: String(PROVIDER_TIMEOUT_MS),
    REFUND_LEASE_MS: '1500',
    REFUND_STALE_AFTER_MS: '700',
    REFUND_SWEEP_INTERVAL_MS: '250',
    REFUND_FIRST_POLL_WECHATPAY_MS: '1000',
    REFUND_FIRST_POLL_ALIPAY_MS: '1000',
    REFUND_MAX_POLL_DELAY_MS: '250',
    ...providerEnv,
    ...extra,
  });
}

export interface World {
  /** Milliseconds each step of opening took (database, simulators, services). */
  readonly opening: Readonly<Record<string, number>>;
  readonly clock: SimClock;
  readonly wechat: StartedWechatPaySimulator;
  readonly alipay: StartedAlipaySimulator;
  readonly api: RunningApp;
  readonly databaseUrl: string;
  readonly database: string;
  /** Deliveries of held WeChat notifies under way (released by an event; settling waits for them). */
  readonly releasing: Promise<void>[];
  /** The running worker, if any (undefined while "crashed"). */
  worker(): RunningApp | undefined;
  /**
   * Stops the worker without waiting: pg-boss fails its jobs in progress (they are retried), and its
   * in-flight provider calls die at their next write, on closed pools.
   */
  crashWorker(): Promise<void>;
  startWorker(): Promise<void>;
  /** Reads the seed's database on the simulator's own connections (the checker trusts no app pool). */
  read<T>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Every connection to the seed's database is terminated (a database restart, seen from the app). */
  killConnections(): Promise<number>;
  /** PostgreSQL stops and starts again; where it cannot be restarted, its connections are killed. */
  restartDatabase(): Promise<void>;
  close(): Promise<void>;
}

export async function openWorld(env: Environment, scenario: Scenario): Promise<World> {
  let mark = Date.now();
  const opening: Record<string, number> = {};
  const lap = (step: string) => {
    opening[step] = Date.now() - mark;
    mark = Date.now();
  };
  const database = await env.takeDatabase();
  const databaseUrl = withDatabase(env.adminUrl, database);
  lap('database');
  const clock = createSimClock({ start: new Date(Date.UTC(2026, 0, 5, 2)), frozen: true });
  const simulators = await startSimulators(env.dataDir, clock, env.logger, scenario);
  const { wechat, alipay } = simulators;
  if (scenario.holdWechatNotifies) wechat.sim.holdNotifies();
  lap('simulators');
  const settings = (extra: Record<string, string>) =>
    serviceSettings(env.dataDir, env.logger, databaseUrl, simulators.providerEnv, extra);
  const logger = env.logger.child({ seed: scenario.seed });
  // The api's port is chosen first, so the worker (which sends it as WeChat's notify_url) starts beside it.
  const port = await freePort();
  // Each worker start connects under its own application name, so that its crash can end its sessions.
  let generation = 0;
  const workerConfig = (name: string) =>
    settings({
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: withApplicationName(databaseUrl, name),
    });
  let worker: RunningApp | undefined;
  let workerName = '';
  // One worker at a time: overlapping crash events share one start (two would leak a worker).
  let starting: Promise<void> | undefined;
  const startOnce = async (): Promise<void> => {
    // As a process manager would: a start that meets the database down is tried again.
    for (let attempt = 1; worker === undefined; attempt++) {
      try {
        const name = `sim-worker-${++generation}`;
        worker = await watched(
          'startApp worker',
          startApp(workerConfig(name), 'worker', logger.child({ role: 'worker' })),
        );
        workerName = name;
      } catch (error) {
        if (!isDatabaseUnavailable(error) || attempt >= 20) throw error;
        await delay(100 * attempt);
      }
    }
  };
  const startWorker = (): Promise<void> => (starting ??= startOnce().finally(() => (starting = undefined)));
  const [api] = await Promise.all([
    startApp(settings({ PORT: String(port) }), 'api', logger.child({ role: 'api' })),
    startWorker(),
  ]);
  lap('services');
  // The next seed's database is cloned while this one runs, mostly waiting on its schedule.
  env.prepareDatabase();
  /** Terminates the seed database's sessions that match `where` ($1 is the database); how many. */
  const terminate = async (where: string, params: readonly unknown[]): Promise<number> => {
    try {
      return await adminStatement(
        env.adminUrl,
        `select pg_terminate_backend(pid) from pg_stat_activity
          where datname = $1 and pid <> pg_backend_pid() and ${where}`,
        [database, ...params],
      );
    } catch (error) {
      if (isDatabaseUnavailable(error)) return 0; // down already (a scheduled restart): nothing to kill
      throw error;
    }
  };
  const reader = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  reader.on('error', () => undefined); // an idle connection killed by a scheduled kill
  const world: World = {
    opening,
    clock,
    wechat,
    alipay,
    api,
    databaseUrl,
    database,
    releasing: [],
    worker: () => worker,
    async crashWorker() {
      await watched('crash: await starting', starting?.catch(() => undefined) ?? Promise.resolve());
      const crashed = worker;
      const crashedName = workerName;
      worker = undefined;
      if (!crashed) return;
      crashed.refundWorker.stopSweeper();
      await watched(
        'crash: boss.stop',
        crashed.jobs.boss.stop({ graceful: false, close: false }).catch(() => undefined),
      );
      // A process that dies loses its sessions: their transactions roll back and their locks go.
      await terminate(`application_name = $2`, [crashedName]);
      // Its shutdown is let run, bounded: a dead process shuts nothing down. (It used to wait for ever
      // on transactions whose connection had been killed, which never gave their pool slot back; the
      // pool's client class now does.) What it still holds goes with the process, or the seed's database.
      const stopped = crashed.stop('simulated crash');
      if (!(await watched('crash: app.stop', settlesWithin(CRASHED_STOP_MS, stopped))))
        logger.warn({ worker: crashedName }, 'crashed worker still shutting down; not waited for');
    },
    startWorker,
    async read<T>(text: string, params: readonly unknown[] = []) {
      for (let attempt = 1; ; attempt++) {
        try {
          return (await watched('read', reader.query(text, [...params]))).rows as T[];
        } catch (error) {
          if (!isDatabaseUnavailable(error) || attempt >= 5) throw error;
        }
      }
    },
    killConnections: () => terminate('true', []),
    async restartDatabase() {
      if (env.restartDatabase) await env.restartDatabase();
      else await world.killConnections();
    },
    async close() {
      await watched('close: crashWorker', world.crashWorker());
      await watched('close: api.stop', api.stop('seed done'));
      await watched('close: reader.end', reader.end());
      clock.dispose();
      await watched('close: sims', simulators.close());
      // Not waited for: the next seed opens meanwhile (its database has another name). The environment's
      // close waits for the drops still under way.
      env.track(adminStatement(env.adminUrl, `drop database if exists ${quoteIdent(database)} with (force)`));
    },
  };
  return world;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function withApplicationName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', name);
  return parsed.toString();
}
