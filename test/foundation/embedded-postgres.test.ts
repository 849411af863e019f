import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, inject, describe, expect, it } from 'vitest';
import { adminStatement, ensureDatabase, quoteIdent, startEmbeddedPostgres } from '../../src/db/index.js';
import { createLogger } from '../../src/logging/index.js';
import { freePort } from '../support/global-setup.js';

describe('embedded PostgreSQL transport', () => {
  it('the suite itself runs over the Unix socket (short data directory)', () => {
    if (process.env.DATABASE_URL !== undefined) return; // an external server: its own transport
    expect(decodeURIComponent(new URL(inject('pgAdminUrl')).hostname)).toMatch(/^\//);
  });

  it('falls back to TCP on 127.0.0.1 when the socket path would not fit sun_path', async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'refunds-long-'));
    await chmod(base, 0o755); // as root, the cluster's `postgres` user must reach its directory
    const dataDir = path.join(base, 'a-directory-name-long-enough-that-the-socket-path-cannot-fit'.repeat(2));
    const embedded = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      database: 'postgres',
      logger: createLogger({ level: 'silent' }),
    });
    try {
      expect(embedded.socketDir).toBeNull();
      expect(new URL(embedded.url).hostname).toBe('127.0.0.1');
      const client = new pg.Client({ connectionString: embedded.url });
      await client.connect();
      const { rows } = await client.query<{ addr: string | null }>('select inet_client_addr()::text as addr');
      await client.end();
      expect(rows[0]!.addr).toMatch(/^127\.0\.0\.1/);
    } finally {
      await embedded.stop();
      await rm(base, { recursive: true, force: true });
    }
  }, 60_000);

  it('as root, says which directory keeps the postgres user out instead of failing in initdb', async () => {
    if (process.getuid?.() !== 0) return; // only root hands the cluster to another user
    const closed = await mkdtemp(path.join(tmpdir(), 'refunds-closed-'));
    await chmod(closed, 0o700);
    try {
      await expect(
        startEmbeddedPostgres({
          dataDir: path.join(closed, 'inner', 'data'),
          port: await freePort(),
          database: 'postgres',
          logger: createLogger({ level: 'silent' }),
        }),
      ).rejects.toThrow(`${closed} does not let others search it`);
    } finally {
      await rm(closed, { recursive: true, force: true });
    }
  });
});

/**
 * `ensureDatabase` connects to the database itself (a warm start's one connection, on which the
 * service provisions its roles) and creates it first only when it is missing.
 */
describe('ensureDatabase', () => {
  const adminUrl = inject('pgAdminUrl');
  const database = `ensured_${process.pid}`;
  afterAll(() => adminStatement(adminUrl, `drop database if exists ${quoteIdent(database)} with (force)`));

  it('creates a missing database, and runs prepare on a connection to it, whether new or not', async () => {
    const seen: string[] = [];
    const prepare = async (client: pg.Client) => {
      seen.push((await client.query<{ db: string }>('select current_database() as db')).rows[0]!.db);
    };
    await ensureDatabase(adminUrl, database, prepare);
    await ensureDatabase(adminUrl, database, prepare);
    expect(seen).toEqual([database, database]);
  });
});
