import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, pendingMigrations, schemaDrift, type Orm } from '../src/db/index.js';
import { createTestOrm } from './support/db.js';

describe('database foundation', () => {
  let orm: Orm;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ orm, close } = await createTestOrm());
  });
  afterAll(async () => close());

  it('has every migration applied', async () => {
    expect(await pendingMigrations(orm)).toEqual([]);
  });

  it('entities and migrations describe the same schema (no drift)', async () => {
    expect(await schemaDrift(orm)).toBe('');
  });

  it('refuses to rewrite the audit log', async () => {
    const conn = orm.em.getConnection();
    const id = newId('ae');
    await conn.execute(
      `insert into audit_event (id, actor_id, actor_role, action, subject_type, subject_id) values (?, 'u', 'ADMIN', 'test', 'x', 'y')`,
      [id],
    );
    await expect(
      conn.execute(`update audit_event set action = 'changed' where id = ?`, [id]),
    ).rejects.toThrow(/append-only/);
    await expect(conn.execute(`delete from audit_event where id = ?`, [id])).rejects.toThrow(/append-only/);
  });

  it('mints time-ordered, provider-safe ids', () => {
    const a = newId('rf');
    const b = newId('rf');
    expect(a).toMatch(/^rf_[0-9a-f]{32}$/);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a < b || a.slice(3, 15) === b.slice(3, 15)).toBe(true);
  });
});
