import { inject } from 'vitest';
import { adminStatement, createOrm, quoteIdent, type Orm } from '../../src/db/index.js';
import { entities } from '../../src/entities.js';
import { withDatabase } from './global-setup.js';

let counter = 0;

/**
 * A fresh database for the calling test file, cloned from the migrated template: isolated from every
 * other file and worker, with the real schema, constraints and triggers.
 */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = inject('pgAdminUrl');
  const template = inject('pgTemplateDatabase');
  const name = `t_${template.split('_')[1]}_${process.pid}_${++counter}_${Date.now() % 1_000_000}`;
  await adminStatement(adminUrl, `create database ${quoteIdent(name)} template ${quoteIdent(template)}`);
  return {
    url: withDatabase(adminUrl, name),
    drop: async () => {
      await adminStatement(adminUrl, `drop database if exists ${quoteIdent(name)} with (force)`);
    },
  };
}

/** An ORM on a fresh test database; `close()` also drops the database. */
export async function createTestOrm(
  poolMax = 10,
): Promise<{ orm: Orm; url: string; close: () => Promise<void> }> {
  const db = await createTestDatabase();
  const orm = await createOrm({ url: db.url, poolMax, entities });
  return {
    orm,
    url: db.url,
    close: async () => {
      await orm.close(true);
      await db.drop();
    },
  };
}
