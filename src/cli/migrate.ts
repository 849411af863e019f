import { loadConfig } from '../config/index.js';
import { createOrm, migrateUp, openDatabase } from '../db/index.js';
import { createLogger, safeUrl } from '../logging/index.js';
import { entities } from '../entities.js';

/**
 * `npm run migrate`: applies pending migrations as DATABASE_OWNER_URL (else DATABASE_URL, or the
 * embedded database's owner role), grants DATABASE_URL's role its rights, and exits.
 */
const config = loadConfig(process.env);
const logger = createLogger({ level: config.logLevel });
const database = await openDatabase(config.database, logger);
const url = database.ownerUrl;
const orm = await createOrm({ url, poolMax: 2, entities, logger });
try {
  const applied = await migrateUp(orm, { runtimeRole: database.runtimeRole });
  logger.info(
    { database: safeUrl(url), applied },
    applied.length ? 'migrations applied' : 'already up to date',
  );
} finally {
  await orm.close(true);
  await database.stop();
}
