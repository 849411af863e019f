import 'reflect-metadata';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { createTokenVerifier } from './auth/index.js';
import { ConfigError, loadConfig, type AppConfig } from './config/index.js';
import { createOrm, migrateUp, pendingMigrations, startEmbeddedPostgres, type Orm } from './db/index.js';
import type { AppServices } from './graphql/index.js';
import { createHttpServer, type ReadinessReport } from './http/index.js';
import { startJobQueue, type JobDefinition, type JobQueue } from './jobs/index.js';
import { createLogger, safeUrl, type Logger } from './logging/index.js';
import { LedgerService } from './ledger/index.js';
import { SystemService } from './system/index.js';

export type Role = 'all' | 'api' | 'worker';

export interface RunningApp {
  /** Base URL of the HTTP server (api roles only). */
  readonly url: string | undefined;
  readonly orm: Orm;
  readonly jobs: JobQueue;
  readonly services: AppServices;
  /** Stops everything in order; idempotent. */
  stop(reason?: string): Promise<void>;
}

/**
 * The composition root: config → database → ORM → services → HTTP/GraphQL → jobs.
 * `all` runs api + worker (+ embedded PostgreSQL and simulators when configured) for a newcomer;
 * production runs `api` and `worker` as separate, horizontally scaled processes.
 */
export async function startApp(config: AppConfig, role: Role, logger: Logger): Promise<RunningApp> {
  const cleanups: { name: string; run: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      logger.debug({ step: cleanup.name }, 'stopping');
      await cleanup.run().catch((error: unknown) => logger.error({ err: error, step: cleanup.name }, 'shutdown step failed'));
    }
  };
  try {
    let databaseUrl = config.database.url;
    if (databaseUrl === undefined) {
      const embedded = await startEmbeddedPostgres({
        dataDir: config.database.dataDir,
        port: config.database.embeddedPort,
        database: 'takeout_refunds',
        logger,
      });
      cleanups.push({ name: 'embedded-postgres', run: embedded.stop });
      databaseUrl = embedded.url;
    }
    logger.info({ database: safeUrl(databaseUrl) }, 'using PostgreSQL');

    const orm = await createOrm({ url: databaseUrl, poolMax: config.database.poolMax, logger });
    cleanups.push({ name: 'orm', run: () => orm.close(true) });
    if (config.database.migrateOnStart) {
      const applied = await migrateUp(orm);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }

    const definitions: JobDefinition[] = [];
    const jobs = await startJobQueue({
      url: databaseUrl,
      role: role === 'api' ? 'api' : 'worker',
      definitions,
      logger,
    });
    cleanups.push({ name: 'jobs', run: jobs.stop });
    const services: AppServices = {
      system: new SystemService(orm, jobs),
      ledger: new LedgerService(orm),
    };

    let url: string | undefined;
    if (role !== 'worker') {
      const http = await createHttpServer({
        logger,
        services,
        tokens: createTokenVerifier(config.auth),
        readiness: () => readiness(orm),
        graphql: config.graphql,
      });
      url = await listen(http.app, config);
      cleanups.push({ name: 'http', run: http.close });
    }
    return { url, orm, jobs, services, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function readiness(orm: Orm): Promise<ReadinessReport> {
  try {
    await orm.em.getConnection().execute('select 1');
  } catch (error) {
    return { ready: false, checks: { database: { ok: false, detail: (error as Error).message } } };
  }
  const pending = await pendingMigrations(orm);
  return {
    ready: pending.length === 0,
    checks: {
      database: { ok: true },
      migrations: pending.length === 0 ? { ok: true } : { ok: false, detail: `pending: ${pending.join(', ')}` },
    },
  };
}

async function listen(app: FastifyInstance, config: AppConfig): Promise<string> {
  await app.listen({ host: config.http.host, port: config.http.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
}

function parseRole(argument: string | undefined): Role {
  if (argument === undefined || argument === 'all' || argument === 'api' || argument === 'worker') {
    return argument ?? 'all';
  }
  throw new ConfigError(`Unknown role "${argument}": expected all, api or worker`);
}

async function main(): Promise<void> {
  let config: AppConfig;
  let role: Role;
  try {
    role = parseRole(process.argv[2]);
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  let app: RunningApp | undefined;
  let stoppingSince: number | undefined;
  const shutdown = (signal: string) => {
    if (stoppingSince !== undefined) {
      // npm forwards the terminal's Ctrl-C to us, so one keypress can arrive twice: only a later,
      // deliberate second signal cuts the graceful shutdown short.
      if (Date.now() - stoppingSince < 1_000) return;
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stoppingSince = Date.now();
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.http.shutdownGraceMs);
    force.unref();
    void (app?.stop() ?? Promise.resolve()).then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  try {
    app = await startApp(config, role, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    process.exit(1);
  }
  if (stoppingSince !== undefined) return;
  if (app.url) {
    logger.info({ role, graphql: `${app.url}/graphql` }, 'ready');
    if (config.env !== 'production') {
      process.stdout.write(
        `\n  GraphQL: ${app.url}/graphql\n  Token:   npm run token -- --role SUPPORT --sub agent_1\n` +
          `  Then send it as "Authorization: Bearer <token>".\n\n`,
      );
    }
  } else {
    logger.info({ role }, 'ready');
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
