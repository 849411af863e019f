import { loadConfig } from '../config/index.js';
import { createOrm, migrateUp, startEmbeddedPostgres, EMBEDDED_DATABASE } from '../db/index.js';
import { createLogger, safeUrl } from '../logging/index.js';
import { entities } from '../entities.js';

/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database) and exits. */
const config = loadConfig(process.env);
const logger = createLogger({ level: config.logLevel });
const embedded =
  config.database.url === undefined
    ? await startEmbeddedPostgres({
        dataDir: config.database.dataDir,
        port: config.database.embeddedPort,
        database: EMBEDDED_DATABASE,
        logger,
      })
    : undefined;
const url = config.database.url ?? embedded!.url;
const orm = await createOrm({ url, poolMax: 2, entities, logger });
try {
  const applied = await migrateUp(orm);
  logger.info(
    { database: safeUrl(url), applied },
    applied.length ? 'migrations applied' : 'already up to date',
  );
} finally {
  await orm.close(true);
  await embedded?.stop();
}
