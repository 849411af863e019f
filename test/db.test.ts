import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, pendingMigrations, schemaDrift, sqlOn, type Orm } from '../src/db/index.js';
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

  it('ids carry the time, the UUIDv7 version and variant, and never repeat across entropy refills', () => {
    const before = Date.now();
    const ids = Array.from({ length: 2_000 }, () => newId('rf')); // 20 kB of entropy: several pool refills
    const after = Date.now();
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of [ids[0]!, ids[999]!, ids[1_999]!]) {
      const ms = Number.parseInt(id.slice(3, 15), 16);
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(after);
      expect(id[15]).toBe('7');
      expect(['8', '9', 'a', 'b']).toContain(id[19]);
    }
    // The random tails differ pairwise even where the milliseconds agree.
    expect(new Set(ids.map((id) => id.slice(16))).size).toBe(ids.length);
  });

  it('prepared statements are named server-side statements on the connection that ran them', async () => {
    await orm.em.fork().transactional(async (em) => {
      const sql = sqlOn(em);
      const text = 'select $1::int + 1 as n';
      expect(await sql.prepared<{ n: number }>(text, [41])).toEqual([{ n: 42 }]);
      expect(await sql.prepared<{ n: number }>(text, [1])).toEqual([{ n: 2 }]);
      const named = await sql.rows<{ name: string }>(
        'select name from pg_prepared_statements where statement = $1',
        [text],
      );
      expect(named).toHaveLength(1);
      expect(named[0]!.name).toMatch(/^s_/);
    });
  });
});
