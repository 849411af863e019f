/**
 * `npm start`: the service, with the embedded PostgreSQL booting while the application's modules load.
 *
 * Loading the application (GraphQL, the ORM, the job queue, the provider SDKs) takes longer than
 * PostgreSQL takes to start, and neither needs the other until the first connection: so this launcher
 * imports only the configuration, the logger and the database module's light entry, starts PostgreSQL,
 * and then loads the application, which takes over the booting server. A start pays for the longer of
 * the two instead of their sum. Configuration errors are left to the application's own start-up, which
 * reports them in one line.
 */
import { ConfigError, loadConfig, type AppConfig } from '../config/index.js';
import {
  EMBEDDED_DATABASE,
  startEmbeddedPostgres,
  type EmbeddedPostgresHandle,
} from '../db/embedded/index.js';
import { createLogger, startStep } from '../logging/index.js';

function earlyPostgres(): Promise<EmbeddedPostgresHandle> | undefined {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
  if (config.database.url !== undefined) return undefined;
  const booting = startEmbeddedPostgres({
    dataDir: config.database.dataDir,
    port: config.database.embeddedPort,
    database: EMBEDDED_DATABASE,
    logger: createLogger({ level: config.logLevel }),
  });
  // Awaited (and reported) by the application's start-up; not an unhandled rejection meanwhile.
  booting.catch(() => undefined);
  return booting;
}

startStep('launcher loaded');
const postgres = earlyPostgres();
const { main } = await import('../main.js');
startStep('application loaded');
await main({ postgres });
