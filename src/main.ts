import 'reflect-metadata';
import type { FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import { AdminActionsResolver } from './admin/index.js';
import { AdminActions } from './audit/index.js';
import { createTokenVerifier, Role as ViewerRole, signDevelopmentToken } from './auth/index.js';
import { CallbacksService } from './callbacks/index.js';
import {
  CaseFigures,
  CaseRuleStore,
  CaseSupportResolver,
  CaseTrackingResolver,
  CasesResolver,
  CasesService,
} from './cases/index.js';
import { ConfigError, describeStartupFailure, loadConfig, type AppConfig } from './config/index.js';
import { registerConsoleRoutes } from './console/index.js';
import { entities } from './entities.js';
import {
  createOrm,
  databaseUrls,
  loadSqlFiles,
  migrateOnStart,
  openDatabase,
  pendingMigrations,
  type EmbeddedPostgresHandle,
  type Orm,
} from './db/index.js';
import { buildGraphQLSchema, printSchemaSdl, ViewerResolver } from './graphql/index.js';
import {
  createHttpServer,
  registerNotifyRoutes,
  type HttpServerOptions,
  type ReadinessReport,
} from './http/index.js';
import { createJobQueue, type JobQueue } from './jobs/index.js';
import { LedgerResolver, LedgerService } from './ledger/index.js';
import { createLogger, formatStartTimeline, safeUrl, startStep, type Logger } from './logging/index.js';
import { NotificationsResolver, NotificationsService } from './notifications/index.js';
import { OpsExceptionsResolver, OpsExceptionsService } from './ops-exceptions/index.js';
import { OrderResolver, PaymentResolver, PaymentsService } from './payments/index.js';
import { connectionStates, instrumentProvider, Metrics, startMetricsServer } from './metrics/index.js';
import { createProviders, type ProviderRegistry } from './providers/index.js';
import {
  DEFAULT_REFUND_RULES,
  OrderRefundsResolver,
  PaymentRefundsResolver,
  RefundResolver,
  RefundService,
  RefundWorker,
} from './refunds/index.js';
import { RefundRiskResolver, RiskResolver, RiskService, RiskSweep } from './risk/index.js';
import type { LocalSimulators, StartedSimulators } from './simulators/index.js';
import { SystemResolver, SystemService } from './system/index.js';
import { startTracing, traceProvider } from './tracing/index.js';
import {
  configuredReconProviders,
  reconJobDefinitions,
  ReconciliationResolver,
  ReconciliationService,
  reportRoutes,
} from '../reconciliation/index.js';

/** The services of a running app (resolvers get theirs in `createResolvers`; tests and benchmarks use them). */
export interface AppServices {
  readonly system: SystemService;
  readonly ledger: LedgerService;
  readonly payments: PaymentsService;
  readonly refunds: RefundService;
  readonly notifications: NotificationsService;
  readonly opsExceptions: OpsExceptionsService;
  readonly cases: CasesService;
  readonly caseRules: CaseRuleStore;
  readonly caseFigures: CaseFigures;
  readonly reconciliation: ReconciliationService;
  readonly adminActions: AdminActions;
  readonly risk: RiskService;
}

/** Every resolver of the GraphQL schema, each given the services it calls. A new module adds its own here. */
export function createResolvers(s: AppServices): object[] {
  return [
    new ViewerResolver(),
    new SystemResolver(s.system),
    new LedgerResolver(s.ledger),
    new OrderResolver(s.payments),
    new PaymentResolver(s.payments),
    new RefundResolver(s.refunds),
    new OrderRefundsResolver(s.refunds),
    new PaymentRefundsResolver(s.refunds),
    new NotificationsResolver(s.notifications),
    new OpsExceptionsResolver(s.opsExceptions),
    new CasesResolver(s.cases),
    new CaseSupportResolver(s.cases, s.caseRules),
    new CaseTrackingResolver(s.cases),
    new ReconciliationResolver(s.reconciliation),
    new AdminActionsResolver(s.adminActions),
    new RiskResolver(s.risk),
    new RefundRiskResolver(s.refunds),
  ];
}

/**
 * The SDL committed in `schema/schema.graphql` (`npm run schema:emit`, checked by a test). Printing reads
 * the resolver classes' decorators only and calls no service, so the resolvers get none.
 */
export function schemaSdl(): Promise<string> {
  return printSchemaSdl(createResolvers({} as AppServices));
}

/** The schema's types, for tools and tests that walk it (no service is called: see `schemaSdl`). */
export function schemaTypes(): Promise<GraphQLSchema> {
  return buildGraphQLSchema(createResolvers({} as AppServices));
}

export type Role = 'all' | 'api' | 'worker';

export interface RunningApp {
  /** Base URL of the HTTP server (api roles only). */
  readonly url: string | undefined;
  readonly orm: Orm;
  readonly jobs: JobQueue;
  readonly services: AppServices;
  readonly providers: ProviderRegistry;
  readonly refundWorker: RefundWorker;
  readonly riskSweep: RiskSweep;
  /** In-process simulators (`all` role with SIMULATORS=true). */
  readonly simulators: StartedSimulators | undefined;
  /** Stops everything in order; idempotent. */
  stop(reason?: string): Promise<void>;
}

/**
 * The composition root: config → database → ORM → providers → services → HTTP/GraphQL → jobs.
 * `all` runs api + worker (+ embedded PostgreSQL and simulators when configured) for a newcomer;
 * production runs `api` and `worker` as separate, horizontally scaled processes.
 */
/** What a launcher may have started before this module loaded (src/cli/start.ts). */
export interface EarlyStart {
  /**
   * The embedded PostgreSQL, already booting with the service's roles (`startServiceDatabase`): used
   * instead of starting one when no DATABASE_URL.
   */
  readonly postgres?: Promise<EmbeddedPostgresHandle> | undefined;
  /**
   * Called once the api listens (api and `all` roles), before the worker starts: `main` says "ready"
   * there. `startApp` resolves once the worker runs too.
   */
  readonly onListening?: ((url: string) => void) | undefined;
  /**
   * The local simulators, already starting in a worker thread (`all` role with SIMULATORS): used
   * instead of starting them in this thread.
   */
  readonly simulators?: Promise<LocalSimulators> | undefined;
}

export async function startApp(
  config: AppConfig,
  role: Role,
  logger: Logger,
  early: EarlyStart = {},
): Promise<RunningApp> {
  const cleanups: { name: string; run: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      logger.debug({ step: cleanup.name }, 'stopping');
      await cleanup
        .run()
        .catch((error: unknown) => logger.error({ err: error, step: cleanup.name }, 'shutdown step failed'));
    }
  };
  // The database steps that run on their own (below); a failed start lets them settle, then stops all.
  let databaseSteps: Promise<unknown> = Promise.resolve();
  let abandoned = false;
  const unlessAbandoned = (): void => {
    if (abandoned) throw new Error('start abandoned');
  };
  try {
    // Embedded: started here (or earlier, `early.postgres`), with its owner and runtime roles. The
    // service connects as the runtime role; migrations run as the owner, which then grants the runtime
    // role its rights. The ORM's metadata, the simulators, the services, the schema and the HTTP server
    // are built while PostgreSQL boots; the database steps (roles, the migration check, the job
    // queue's start) follow PostgreSQL's start on their own, between those CPU-bound steps.
    const opening = openDatabase(config.database, logger, early.postgres);
    cleanups.push({
      name: 'embedded-postgres',
      run: async () => (await opening.catch(() => undefined))?.stop(),
    });
    const database = databaseUrls(config.database);
    const databaseUrl = database.url;
    // Read while PostgreSQL boots: the migration check compares their hashes with the database's.
    const sqlFiles = config.database.migrateOnStart ? loadSqlFiles() : undefined;
    sqlFiles?.catch(() => undefined); // awaited by the check
    const opened = opening.then(() => {
      unlessAbandoned();
      logger.info({ database: safeUrl(databaseUrl) }, 'using PostgreSQL');
    });
    const migrated = opened.then(async () => {
      if (!config.database.migrateOnStart) return;
      const { ownerUrl, runtimeRole } = database;
      const applied = await migrateOnStart({ ownerUrl, runtimeRole, entities, logger, sqlFiles });
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
      startStep('migrations checked');
    });
    // Awaited below; a failure meanwhile is reported there, not as an unhandled rejection.
    migrated.catch(() => undefined);
    databaseSteps = migrated;
    if (config.tracing.enabled) {
      const { serviceName, otlpUrl } = config.tracing;
      const tracing = await startTracing({ serviceName, exporter: { otlpUrl } });
      cleanups.push({ name: 'tracing', run: () => tracing.shutdown() });
    }
    const orm = await createOrm({ url: databaseUrl, poolMax: config.database.poolMax, entities, logger });
    cleanups.push({ name: 'orm', run: () => orm.close(true) });
    startStep('ORM initialised (metadata)');

    const simulatorsStart =
      role === 'all' && config.simulators.enabled
        ? (early.simulators ?? startInProcessSimulators(config, logger))
        : undefined;
    simulatorsStart?.catch(() => undefined); // awaited below
    cleanups.push({
      name: 'simulators',
      run: async () => (await simulatorsStart?.catch(() => undefined))?.close(),
    });
    // Not waited for here: the adapters wait for the simulators' credentials (`createProviders`), so
    // the services, the schema and the HTTP server are built while the simulators start; the api
    // listens only once they run and every adapter has its credentials.
    const simulatorsListening = simulatorsStart?.then((local) => {
      unlessAbandoned();
      logger.info(local.urls, 'provider simulators running (never used in production)');
      startStep('simulators listening');
      return local;
    });
    simulatorsListening?.catch(() => undefined); // awaited below

    const worker = role !== 'api';
    const jobs = createJobQueue({ url: databaseUrl, role: worker ? 'worker' : 'api', logger });

    // Provider callbacks must reach this process; the URL is known once the server listens.
    const publicUrl = { value: config.http.publicBaseUrl };
    // Read at scrape time, once the services below exist.
    const metrics = new Metrics(role, {
      openRefunds: () => refunds.openCounts(),
      queues: () => jobs.waiting(),
      trialBalance: async () =>
        (await ledger.trialBalance()).map((line) => ({
          currency: line.currency,
          differenceMinor: line.totalDebits.amountMinor - line.totalCredits.amountMinor,
        })),
      connections: () => connectionStates(orm),
    });
    const credentials = simulatorsStart?.then((local) => local.credentials) ?? {};
    const providers = createProviders(config.providers, credentials, logger).wrapped((p) =>
      traceProvider(instrumentProvider(p, metrics)),
    );

    const ledger = new LedgerService(orm);
    const payments = new PaymentsService(orm, ledger);
    const notifications = new NotificationsService(orm, config.webhook, logger);
    const risk = new RiskService(orm, config.risk, logger.child({ component: 'risk' }));
    const riskSweep = new RiskSweep(
      orm,
      risk,
      { cron: config.risk.sweepCron, batch: config.risk.sweepBatch },
      logger.child({ component: 'risk-sweep' }),
    );
    const refunds = new RefundService(
      orm,
      ledger,
      notifications,
      payments,
      DEFAULT_REFUND_RULES,
      risk,
      (status, channel) => metrics.refundsEntered.inc({ status, channel }),
    );
    const refundWorker = new RefundWorker(
      orm,
      refunds,
      providers,
      jobs,
      {
        leaseMs: config.refunds.leaseMs,
        firstPollDelayMs: config.refunds.firstPollDelayMs,
        maxPollDelayMs: config.refunds.maxPollDelayMs,
        staleAfterMs: config.refunds.staleAfterMs,
        sweepIntervalMs: config.refunds.sweepIntervalMs,
        concurrencyPerProvider: config.refunds.concurrencyPerProvider,
        submitsPerSecond: config.refunds.submitsPerSecond,
        notifyUrl: {
          get WECHAT_PAY() {
            return publicUrl.value ? `${publicUrl.value}/notify/wechatpay` : undefined;
          },
        },
      },
      logger,
    );
    const opsExceptions = new OpsExceptionsService(orm);
    const callbacks = new CallbacksService(orm, providers, refunds, payments, opsExceptions, jobs, logger);
    const caseRules = new CaseRuleStore(orm);
    const caseFigures = new CaseFigures(orm);
    const cases = new CasesService({
      orm,
      payments,
      refunds,
      ledger,
      notifications,
      rules: caseRules,
      risk,
      logger,
      settings: config.cases,
    });
    const reconciliation = new ReconciliationService({
      orm,
      databaseUrl,
      providers,
      ledger,
      payments,
      refunds,
      settings: config.reconciliation,
      logger,
    });
    const services: AppServices = {
      system: new SystemService(orm, jobs),
      reconciliation,
      ledger,
      payments,
      refunds,
      notifications,
      opsExceptions,
      cases,
      caseRules,
      caseFigures,
      adminActions: new AdminActions(orm),
      risk,
    };
    const jobDefinitions = [
      ...refundWorker.jobDefinitions(),
      ...notifications.jobDefinitions(),
      ...callbacks.jobDefinitions(),
      ...cases.jobDefinitions(),
      ...reconJobDefinitions(
        reconciliation,
        jobs,
        configuredReconProviders(providers),
        config.reconciliation,
        logger,
      ),
      ...riskSweep.jobDefinitions(),
    ];
    // Stopped in reverse: the HTTP server (pushed below) before the job queue its requests send to.
    let jobsStarted = false;
    cleanups.push({ name: 'jobs', run: async () => (jobsStarted ? jobs.stop() : undefined) });
    // Beside the migration check: pg-boss keeps to its own schema (created for the runtime role with
    // the roles), and the service's SQL reaches pg-boss's tables only from plpgsql, checked when run.
    const queuesReady = opened.then(async () => {
      unlessAbandoned();
      jobsStarted = true; // a start that fails half-way still stops what it opened
      await jobs.start(jobDefinitions);
      startStep('job queue started, queues checked');
    });
    queuesReady.catch(() => undefined); // awaited below
    databaseSteps = Promise.allSettled([migrated, queuesReady]);

    const httpServer = async () => {
      const tokens = createTokenVerifier(config.auth);
      const schema = await buildGraphQLSchema(createResolvers(services));
      startStep('GraphQL schema built');
      const server = await createHttpServer({
        logger,
        schema,
        tokens,
        readiness: () => readiness(orm),
        graphql: config.graphql,
        explorer: config.graphql.sandbox ? explorerOptions(config, logger) : undefined,
        rateLimit: config.rateLimit,
        tls: config.tls,
        trustProxy: config.trustProxy,
        metrics,
        metricsToken: config.metrics.token,
        routes: async (app) => {
          await registerNotifyRoutes(app, (channel, request) => callbacks.receive(channel, request));
          reportRoutes(app, { queries: reconciliation.queries, tokens });
          if (config.console.enabled) await registerConsoleRoutes(app, consoleOptions(config, logger));
        },
      });
      startStep('HTTP server built');
      return server;
    };
    const http = role === 'worker' ? undefined : await httpServer();
    cleanups.push({ name: 'http', run: async () => http?.close() });

    const [local] = await Promise.all([simulatorsListening, providers.configured, migrated, queuesReady]);

    let url: string | undefined;
    if (http !== undefined) {
      url = await listen(http.app, config);
      startStep('HTTP listening');
      publicUrl.value ??= url;
    }
    if (config.metrics.port !== undefined) {
      const server = await startMetricsServer(metrics, config.metrics.host, config.metrics.port);
      logger.info({ metrics: server.url }, 'metrics listening');
      cleanups.push({ name: 'metrics', run: server.close });
    }
    if (role === 'worker' && config.http.publicBaseUrl === undefined) {
      logger.warn(
        'PUBLIC_BASE_URL is not set: WeChat refunds carry no notify_url (the portal setting applies), results come by polling',
      );
    }
    if (url !== undefined) early.onListening?.(url);
    // After the api answers (`all` role): what it sends waits in its queue until the workers start.
    await jobs.startWorkers(jobDefinitions);
    startStep('workers started');
    if (worker) {
      refundWorker.startSweeper();
      cleanups.push({ name: 'refund-sweeper', run: async () => refundWorker.stopSweeper() });
    }
    const simulators = local?.simulators;
    return { url, orm, jobs, services, providers, refundWorker, riskSweep, simulators, stop: stopAll };
  } catch (error) {
    abandoned = true;
    await databaseSteps.catch(() => undefined);
    await stopAll();
    throw error;
  }
}

/** The development explorer fills in a SUPPORT token signed with the development key, when there is one. */
function explorerOptions(config: AppConfig, logger: Logger): HttpServerOptions['explorer'] {
  const { hs256Secret, issuer, audience } = config.auth;
  const token = async () =>
    hs256Secret === undefined
      ? ''
      : signDevelopmentToken({
          secret: hs256Secret,
          issuer,
          audience,
          subject: 'agent_1',
          role: ViewerRole.SUPPORT,
          expiresIn: '12h',
        });
  return { token, logger };
}

function consoleOptions(config: AppConfig, logger: Logger): Parameters<typeof registerConsoleRoutes>[1] {
  const { hs256Secret, issuer, audience } = config.auth;
  return {
    assetsDir: config.console.assetsDir,
    devSignIn:
      config.console.devSignIn && hs256Secret !== undefined
        ? { secret: hs256Secret, issuer, audience }
        : undefined,
    logger,
  };
}

/**
 * The local WeChat Pay / Alipay simulators in this thread. Loaded with a dynamic import only when
 * enabled, so a production process never loads simulator code.
 */
async function startInProcessSimulators(config: AppConfig, logger: Logger): Promise<LocalSimulators> {
  const { startLocalSimulators } = await import('./simulators/index.js');
  return startLocalSimulators({ ...config.simulators, dataDir: config.database.dataDir }, logger);
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
      migrations:
        pending.length === 0 ? { ok: true } : { ok: false, detail: `pending: ${pending.join(', ')}` },
    },
  };
}

async function listen(app: FastifyInstance, config: AppConfig): Promise<string> {
  await app.listen({ host: config.http.host, port: config.http.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  const scheme = config.tls ? 'https' : 'http';
  return `${scheme}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
}

function parseRole(argument: string | undefined): Role {
  if (argument === undefined || argument === 'all' || argument === 'api' || argument === 'worker') {
    return argument ?? 'all';
  }
  throw new ConfigError(`Unknown role "${argument}": expected all, api or worker`);
}

/** The service's command line: `node dist/src/main.js [all|api|worker]`, or through src/cli/start.ts. */
export async function main(early: EarlyStart = {}): Promise<void> {
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
  // Once the api listens, a stop waits for the start to finish (the worker starting), then stops it all.
  let starting: Promise<RunningApp> | undefined;
  let listening = false;
  const stopStarted = (): Promise<void> =>
    app !== undefined
      ? app.stop()
      : listening && starting !== undefined
        ? starting.then(
            (started) => started.stop(),
            () => undefined,
          )
        : Promise.resolve();
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
    void stopStarted().then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const ready = (url: string | undefined) => {
    startStep('ready');
    if (url === undefined) {
      logger.info({ role }, 'ready');
      return;
    }
    logger.info({ role, graphql: `${url}/graphql` }, 'ready');
    if (config.env !== 'production') {
      process.stdout.write(
        `\n  GraphQL: ${url}/graphql\n  Token:   npm run token -- --role SUPPORT --sub agent_1\n` +
          `  Then send it as "Authorization: Bearer <token>".\n` +
          (config.console.enabled ? `  Console: ${url}/console (back office)\n` : '') +
          '\n',
      );
    }
  };
  try {
    starting = startApp(config, role, logger, {
      ...early,
      onListening: (url) => {
        listening = true;
        if (stoppingSince === undefined) ready(url);
      },
    });
    app = await starting;
  } catch (error) {
    const problem = describeStartupFailure(error, config, config.database.url);
    if (problem === undefined) logger.fatal({ err: error }, 'failed to start');
    else {
      logger.debug({ err: error }, 'failed to start');
      process.stderr.write(`Cannot start: ${problem}\n`);
    }
    process.exit(1);
  }
  if (stoppingSince !== undefined) return;
  if (app.url === undefined) ready(undefined);
  if (config.startTimeline) process.stderr.write(formatStartTimeline());
}

if (import.meta.main) {
  await main();
}
