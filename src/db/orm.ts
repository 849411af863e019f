import path from 'node:path';
import { MikroORM, type EntityManager, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { migrationsList } from '../../migrations/index.js';
import type { Logger } from '../logging/index.js';
import { PreparedStatementsClient } from './named-statements.js';
import { applySqlFiles, changedSqlFiles, loadSqlFiles, packageRoot } from './repeatable.js';
import { runtimeGrants } from './roles.js';

export type Orm = MikroORM;
export type { EntityManager };

export interface OrmSettings {
  readonly url: string;
  readonly poolMax: number;
  /** Every entity the ORM knows: the composition root's list (`entities` in src/main.ts). */
  readonly entities: NonNullable<Options['entities']>;
  readonly logger?: Logger | undefined;
  /** Rewrite the committed snapshot after migrating (`npm run migration:create` only). */
  readonly snapshotOnMigrate?: boolean;
}

/** Where migrations and the schema snapshot live: the source tree, whether running from src/ or dist/. */
export const MIGRATIONS_DIR = path.join(packageRoot(), 'migrations');

export function ormOptions(options: OrmSettings): Options {
  const log = options.logger?.child({ component: 'orm' });
  return {
    clientUrl: options.url,
    entities: [...options.entities],
    extensions: [Migrator],
    pool: { min: 0, max: options.poolMax },
    // pg's pool takes the client class: it sends the texts of `Sql.prepared` as named statements.
    // The ORM builds its pool from the URL's parts and drops its parameters: `application_name` is
    // passed on, so that pg_stat_activity tells the sessions of one process from another's.
    driverOptions: { Client: PreparedStatementsClient, ...applicationName(options.url) },
    // Money is bigint everywhere; never let the driver coerce int8 to a JS number.
    forceEntityConstructor: false,
    allowGlobalContext: false,
    debug: false,
    logger: (message) => log?.debug(message),
    // Triggers and functions (append-only guards, ledger invariants) live in `sql/` files applied by
    // the repeatable step (see repeatable.ts), checked by test/db.test.ts; the job queue owns its schema.
    schemaGenerator: {
      ignoreTriggers: true,
      ignoreRoutines: true,
      ignoreSchema: ['pgboss'],
      skipTables: ['schema_repeatable'],
    },
    migrations: {
      migrationsList: [...migrationsList],
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      // New migrations are diffed from the entities against the committed snapshot of the schema the
      // migrations build (`npm run migration:create`); `checkSchema()` is the ORM's own drift check.
      snapshot: true,
      snapshotName: '.snapshot-takeout-refunds',
      snapshotOnMigrate: options.snapshotOnMigrate ?? false,
      path: MIGRATIONS_DIR,
      pathTs: MIGRATIONS_DIR,
      emit: 'ts',
      silent: true,
    },
  };
}

function applicationName(url: string): { application_name?: string } {
  const name = new URL(url).searchParams.get('application_name');
  return name === null ? {} : { application_name: name };
}

export async function createOrm(options: OrmSettings): Promise<Orm> {
  return MikroORM.init(ormOptions(options));
}

/** Any number: the key of the advisory lock that makes concurrent migration runs take turns. */
const MIGRATION_LOCK = 7_104_211_520;

/**
 * One migration run, one transaction, one lock: the pending versioned migrations, then the repeatable
 * step (every `sql/` file whose content changed; all of them when a versioned migration ran), then,
 * given the service's runtime role, its grants (`runtimeGrants`). Returns
 * what it applied: migration names, then file paths. Processes starting together (api and worker
 * replicas with MIGRATE_ON_START) wait for each other on the lock, and the later ones find nothing to do.
 */
export async function migrateUp(orm: Orm, options: { runtimeRole?: string } = {}): Promise<string[]> {
  const files = await loadSqlFiles();
  const conn = orm.em.getConnection();
  return conn.transactional(async (trx) => {
    await conn.execute(`select pg_advisory_xact_lock(?)`, [MIGRATION_LOCK], 'run', trx);
    const applied = await orm.migrator.up({ transaction: trx });
    const definitions = await applySqlFiles(orm, trx, files, { all: applied.length > 0 });
    // Run by the owner: what the service's role may do with what the migrations built.
    if (options.runtimeRole !== undefined) {
      for (const grant of runtimeGrants(options.runtimeRole)) await conn.execute(grant, [], 'run', trx);
    }
    return [...applied.map((m) => m.name), ...definitions];
  });
}

/** Versioned migrations not applied yet, then `sql/` files whose content the database does not run. */
export async function pendingMigrations(orm: Orm): Promise<string[]> {
  const pending = await orm.migrator.getPending();
  const changed = await changedSqlFiles(orm, await loadSqlFiles());
  return [...pending.map((m) => m.name), ...changed.map((file) => file.path)];
}

/** SQL that would bring the database in line with the entity definitions; empty when in sync. */
export async function schemaDrift(orm: Orm): Promise<string> {
  const diff = await orm.schema.getUpdateSchemaMigrationSQL({ wrap: false, safe: false, dropTables: false });
  return diff.up.trim();
}

/** True when the entities differ from the committed snapshot: a migration is missing. */
export async function migrationNeeded(orm: Orm): Promise<boolean> {
  return orm.migrator.checkSchema();
}
