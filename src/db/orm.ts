import { MikroORM, type EntityManager, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { migrationsList } from '../../migrations/index.js';
import type { Logger } from '../logging/index.js';
import { entities } from './entities.js';

export type Orm = MikroORM;
export type { EntityManager };

export function ormOptions(options: { url: string; poolMax: number; logger?: Logger }): Options {
  const log = options.logger?.child({ component: 'orm' });
  return {
    clientUrl: options.url,
    entities: entities(),
    extensions: [Migrator],
    pool: { min: 0, max: options.poolMax },
    // Money is bigint everywhere; never let the driver coerce int8 to a JS number.
    forceEntityConstructor: false,
    allowGlobalContext: false,
    debug: false,
    logger: (message) => log?.debug(message),
    // Triggers and functions (append-only guards, ledger invariants) are hand-written in migrations and
    // tested by behaviour; the job queue owns its own schema.
    schemaGenerator: { ignoreTriggers: true, ignoreRoutines: true, ignoreSchema: ['pgboss'] },
    migrations: {
      migrationsList: [...migrationsList],
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
  };
}

export async function createOrm(options: { url: string; poolMax: number; logger?: Logger }): Promise<Orm> {
  return MikroORM.init(ormOptions(options));
}

export async function migrateUp(orm: Orm): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}

export async function pendingMigrations(orm: Orm): Promise<string[]> {
  const pending = await orm.migrator.getPending();
  return pending.map((m) => m.name);
}

/** SQL that would bring the database in line with the entity definitions; empty when in sync. */
export async function schemaDrift(orm: Orm): Promise<string> {
  const diff = await orm.schema.getUpdateSchemaMigrationSQL({ wrap: false, safe: false, dropTables: false });
  return diff.up.trim();
}
