/**
 * `npm start`: the service, with the embedded PostgreSQL booting and the local simulators starting
 * while the application's modules load.
 *
 * Loading the application (GraphQL, the ORM, the job queue, the provider SDKs) takes longer than
 * PostgreSQL takes to start, and neither needs the other until the first connection: so this launcher
 * imports only the configuration, the logger and the database module's light entry, starts PostgreSQL
 * (its process spawned before anything else loads), loads the application, starts the simulators'
 * worker thread, and hands both to the application. A start pays for the longer of PostgreSQL's start
 * and the application's instead of their sum, and the simulators start on the other core while the
 * application is built (it waits for them only before it listens). Configuration errors are left to
 * the application's own start-up, which reports them in one line.
 */
import { ConfigError, loadConfig, type AppConfig } from '../config/index.js';
import { startServiceDatabase, type EmbeddedPostgresHandle } from '../db/embedded/index.js';
import { createLogger, startStep } from '../logging/index.js';
import type { LocalSimulators } from '../simulators/index.js';
import { startSimulatorsThread } from './simulators-thread.js';

function launcherConfig(): AppConfig | undefined {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
}

interface EarlyPostgres {
  readonly booting: Promise<EmbeddedPostgresHandle>;
  /** Settles once PostgreSQL's process is spawned, or its start failed before that. */
  readonly spawned: Promise<void>;
}

function earlyPostgres(config: AppConfig): EarlyPostgres | undefined {
  if (config.database.url !== undefined) return undefined;
  let resolveSpawned: () => void = () => undefined;
  const spawned = new Promise<void>((resolve) => (resolveSpawned = resolve));
  let marked = false;
  const booting = startServiceDatabase({
    dataDir: config.database.dataDir,
    port: config.database.embeddedPort,
    logger: createLogger({ level: config.logLevel }),
    onSpawn: () => {
      // Called twice on a first start: initdb, then the server.
      if (!marked) startStep('PostgreSQL spawned');
      marked = true;
      resolveSpawned();
    },
  });
  // Awaited (and reported) by the application's start-up; not an unhandled rejection meanwhile.
  booting.catch(() => undefined).finally(resolveSpawned);
  return { booting, spawned };
}

/** The `all` role's local simulators (SIMULATORS, not in production), in a worker thread. */
function earlySimulators(config: AppConfig): Promise<LocalSimulators> | undefined {
  const role = process.argv[2] ?? 'all';
  if (role !== 'all' || !config.simulators.enabled) return undefined;
  const starting = startSimulatorsThread(
    { ...config.simulators, dataDir: config.database.dataDir },
    createLogger({ level: config.logLevel }),
  );
  starting.catch(() => undefined); // as for PostgreSQL
  return starting;
}

startStep('launcher loaded');
const config = launcherConfig();
const postgres = config && earlyPostgres(config);
// The steps before PostgreSQL's process is spawned (a few file-system checks) each wait for this
// thread's event loop, which loading the application holds for most of its length: without this wait
// PostgreSQL began its own start only once the application was built.
await postgres?.spawned;
const { main } = await import('../main.js');
startStep('application loaded');
// Once PostgreSQL has had the other core for its own start: the thread runs there while this one
// builds the ORM, the services, the schema and the HTTP server; the adapters take the simulators'
// credentials when they arrive.
const simulators = config && earlySimulators(config);
await main({ postgres: postgres?.booting, simulators });
