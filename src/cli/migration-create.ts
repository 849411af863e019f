import { loadConfig } from '../config/index.js';
import {
  adminStatement,
  createOrm,
  ensureDatabase,
  migrateUp,
  MIGRATIONS_DIR,
  quoteIdent,
  startEmbeddedPostgres,
  EMBEDDED_DATABASE,
} from '../db/index.js';
import { createLogger } from '../logging/index.js';
import { entities } from '../entities.js';
import { parseFlags } from './args.js';

/**
 * `npm run migration:create -- --name <what>`: a new versioned migration diffed from the entities.
 * A scratch database gets the existing migrations, which refreshes the committed schema snapshot
 * (`migrations/.snapshot-takeout-refunds.json`) from what they build; MikroORM then diffs the
 * entities against that snapshot, writes the migration and the new snapshot. Add the migration to
 * migrations/index.ts and commit all three. Tables, columns, indexes and constraints only: functions
 * and triggers go in `sql/` files.
 */
const flags = parseFlags(process.argv.slice(2));
const name = flags.get('name');
if (name === undefined || !/^[a-z0-9_]+$/.test(name)) {
  process.stderr.write('usage: npm run migration:create -- --name <snake_case_name>\n');
  process.exit(2);
}
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
const adminUrl = embedded?.adminUrl ?? config.database.url!;
const scratch = `migration_create_${process.pid}`;
const scratchUrl = new URL(adminUrl);
scratchUrl.pathname = `/${scratch}`;
await ensureDatabase(adminUrl, scratch);
try {
  const orm = await createOrm({
    url: scratchUrl.toString(),
    poolMax: 2,
    entities,
    logger,
    snapshotOnMigrate: true,
  });
  try {
    await migrateUp(orm);
    const created = await orm.migrator.create(MIGRATIONS_DIR, false, false, name);
    process.stdout.write(
      created.fileName
        ? `migrations/${created.fileName} written; add it to migrations/index.ts\n`
        : 'entities and migrations agree: no migration needed\n',
    );
  } finally {
    await orm.close(true);
  }
} finally {
  await adminStatement(adminUrl, `drop database if exists ${quoteIdent(scratch)} with (force)`);
  await embedded?.stop();
}
