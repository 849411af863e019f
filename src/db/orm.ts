import path from 'node:path';
import pg from 'pg';
import { MikroORM, type EntityManager, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { migrationsList } from '../../migrations/index.js';
import type { Logger } from '../logging/index.js';
import { PreparedStatementsClient } from './named-statements.js';
import {
  applySqlFiles,
  changedSqlFiles,
  loadSqlFiles,
  overloadedFunctionsQuery,
  packageRoot,
  TRACKING_TABLE,
  type SqlFile,
} from './repeatable.js';
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

const MIGRATIONS_TABLE = 'mikro_orm_migrations';

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
      tableName: MIGRATIONS_TABLE,
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

/**
 * `MIGRATE_ON_START`: the migration run, unless the database already runs exactly what this build
 * would apply. A warm start's check is one connection as the owner and one round trip: the runtime
 * role's grants (run on every start, as `migrateUp` does: a new runtime role gets its rights without a
 * migration) and the applied migrations and file hashes, compared here with `migrationsList` and the
 * `sql/` files. Anything missing, changed or unknown (a file removed, a table not there yet) goes the
 * full way: the ORM as the owner and `migrateUp` under its lock. Returns what was applied.
 */
export async function migrateOnStart(options: {
  readonly ownerUrl: string;
  readonly runtimeRole: string | undefined;
  readonly entities: OrmSettings['entities'];
  readonly logger?: Logger | undefined;
  /** The `sql/` files, when the caller started reading them earlier (`loadSqlFiles`). */
  readonly sqlFiles?: Promise<readonly SqlFile[]> | undefined;
}): Promise<string[]> {
  const files = await (options.sqlFiles ?? loadSqlFiles());
  if (await databaseCurrent(options.ownerUrl, options.runtimeRole, files)) return [];
  const owner = await createOrm({
    url: options.ownerUrl,
    poolMax: 2,
    entities: options.entities,
    logger: options.logger,
  });
  try {
    return await migrateUp(
      owner,
      options.runtimeRole === undefined ? {} : { runtimeRole: options.runtimeRole },
    );
  } finally {
    await owner.close(true);
  }
}

/**
 * True when every migration is applied, every `sql/` file's hash is the one the database last applied
 * and no function of the files has a stale overload.
 */
async function databaseCurrent(
  ownerUrl: string,
  runtimeRole: string | undefined,
  files: readonly SqlFile[],
): Promise<boolean> {
  const client = new pg.Client({ connectionString: ownerUrl });
  client.on('error', () => undefined); // a dropped connection fails the query in flight, which throws
  await client.connect();
  try {
    // One simple-protocol query, one implicit transaction: the grants, then what the database runs.
    const statements = [
      ...(runtimeRole === undefined ? [] : runtimeGrants(runtimeRole)),
      `select (select coalesce(json_agg(name), '[]') from ${MIGRATIONS_TABLE}) as migrations,
              (select coalesce(json_object_agg(path, sha256), '{}') from ${TRACKING_TABLE}) as files,
              (select count(*)::int from (${overloadedFunctionsQuery(files)}) o) as overloads`,
    ];
    type State = { migrations: string[]; files: Record<string, string>; overloads: number };
    let results: pg.QueryResult<State> | pg.QueryResult<State>[];
    try {
      // Several statements: pg answers with one result each.
      results = await client.query<State>(statements.join(';\n'));
    } catch (error) {
      if ((error as { code?: string }).code === '42P01') return false; // a table not there yet
      throw error;
    }
    const all: pg.QueryResult<State>[] = Array.isArray(results) ? results : [results];
    const state = all.at(-1)!.rows[0]!;
    const applied = new Set(state.migrations);
    if (migrationsList.some((migration) => !applied.has(migration.name))) return false;
    if (state.overloads > 0) return false; // a stale overload to drop
    const hashes = new Map(Object.entries(state.files));
    return hashes.size === files.length && files.every((file) => hashes.get(file.path) === file.sha256);
  } finally {
    await client.end();
  }
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
