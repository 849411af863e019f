import path from 'node:path';
import type { Transaction } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applySqlFiles,
  changedSqlFiles,
  definedName,
  loadSqlFiles,
  migrateOnStart,
  migrateUp,
  migrationNeeded,
  newId,
  packageRoot,
  pendingMigrations,
  schemaDrift,
  sqlOn,
  type Orm,
  type SqlFile,
} from '../src/db/index.js';
import { entities } from '../src/entities.js';
import { createTestOrm } from './support/db.js';

/** What the database runs: every function's and trigger's definition as PostgreSQL prints it. */
async function definitions(orm: Orm, trx: Transaction): Promise<Map<string, string>> {
  const rows = await orm.em.getConnection().execute<{ name: string; def: string }[]>(
    `select 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' as name,
            pg_get_functiondef(p.oid) as def
       from pg_proc p
      where p.pronamespace = 'public'::regnamespace
     union all
     select 'trigger ' || t.tgname, pg_get_triggerdef(t.oid)
       from pg_trigger t join pg_class c on c.oid = t.tgrelid
      where not t.tgisinternal and c.relnamespace = 'public'::regnamespace`,
    [],
    'all',
    trx,
  );
  return new Map(rows.map((row) => [row.name, row.def]));
}

/** Runs `work` in a transaction that is always rolled back. */
async function rolledBack<T>(orm: Orm, work: (trx: Transaction) => Promise<T>): Promise<T> {
  const rollback = new Error('rollback');
  let result: T | undefined;
  await orm.em
    .getConnection()
    .transactional(async (trx) => {
      result = await work(trx);
      throw rollback;
    })
    .catch((error: unknown) => {
      if (error !== rollback) throw error;
    });
  return result as T;
}

/**
 * How the database's functions and triggers differ from the files: the definitions (signature and
 * body) that applying every file would change, the objects no file defines, and the files whose
 * name has several overloads. Empty when the database runs exactly what the files say.
 */
async function sqlDrift(orm: Orm, files: readonly SqlFile[]): Promise<string[]> {
  const [before, after] = await rolledBack(orm, async (trx) => {
    const runs = await definitions(orm, trx);
    await applySqlFiles(orm, trx, files, { all: true });
    return [runs, await definitions(orm, trx)];
  });
  const problems: string[] = [];
  for (const [key, def] of before) {
    if (after.get(key) !== def) problems.push(`${key} differs from its file (or no file defines it)`);
  }
  for (const key of after.keys()) if (!before.has(key)) problems.push(`${key} is missing`);
  const named = [...before.keys()].map((key) => key.replace(/\(.*$/, '')).sort();
  const fromFiles = files.map((file) => `${file.kind} ${definedName(file)}`).sort();
  for (const name of new Set([...named, ...fromFiles])) {
    const count = named.filter((n) => n === name).length;
    if (count !== 1) problems.push(`${name}: ${count} definitions in the database, one file`);
  }
  return problems;
}

describe('database foundation', () => {
  let orm: Orm;
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ orm, url, close } = await createTestOrm());
  });
  afterAll(async () => close());

  it('has every migration applied', async () => {
    expect(await pendingMigrations(orm)).toEqual([]);
  });

  it('entities and migrations describe the same schema (no drift)', async () => {
    expect(await schemaDrift(orm)).toBe('');
  });

  it("the committed schema snapshot equals the entities (the ORM's own migration check)", async () => {
    expect(await migrationNeeded(orm)).toBe(false);
  });

  it('runs exactly the functions and triggers the sql files define (no drift)', async () => {
    const files = await loadSqlFiles();
    const runs = await rolledBack(orm, (trx) => definitions(orm, trx));
    expect(runs.size).toBeGreaterThan(0);
    expect(await sqlDrift(orm, files)).toEqual([]);
    // Each file defines one object named after it.
    for (const file of files) {
      expect(path.basename(file.path).replace(/(\.trigger)?\.sql$/, '')).toBe(definedName(file));
      expect(file.kind).toBe(
        /create (or replace )?(constraint )?trigger/i.test(file.text) ? 'trigger' : 'function',
      );
    }
  });

  it('a stale overload (a signature a file no longer has) fails the drift check and the next migration run drops it', async () => {
    const files = await loadSqlFiles();
    const conn = orm.em.getConnection();
    // payment_refundable(varchar) as it might have been before an argument was added.
    const stale = `create function payment_refundable(p_payment_id varchar, p_extra integer) returns bigint
                     language sql as $$ select 0::bigint $$`;
    await conn.execute(stale);
    try {
      expect(await sqlDrift(orm, files)).toContain(
        'function payment_refundable: 2 definitions in the database, one file',
      );
      expect(await pendingMigrations(orm)).toEqual([]); // the hashes are current: only the catalog tells
      expect(await migrateOnStart({ ownerUrl: url, runtimeRole: undefined, entities })).toEqual([
        'src/payments/sql/payment_refundable.sql',
        'drop function payment_refundable(character varying,integer)',
      ]);
      expect(await sqlDrift(orm, files)).toEqual([]);
      const [left] = await conn.execute<{ n: number }[]>(
        `select count(*)::int as n from pg_proc where proname = 'payment_refundable'`,
      );
      expect(left!.n).toBe(1);
      expect(await migrateUp(orm)).toEqual([]);

      // The file itself changing its signature: applied in the run, and the old overload dropped in it.
      const target = files.find((file) => file.path === 'src/payments/sql/payment_refundable.sql')!;
      const widened: SqlFile = {
        ...target,
        text: target.text.replace(
          /payment_refundable\(([^)]*)\)/,
          'payment_refundable($1, p_unused integer default 0)',
        ),
        sha256: 'e'.repeat(64),
      };
      expect(widened.text).not.toBe(target.text);
      const withWidened = files.map((file) => (file === target ? widened : file));
      const applied = await conn.transactional((trx) => applySqlFiles(orm, trx, withWidened, { all: false }));
      expect(applied).toEqual([target.path, 'drop function payment_refundable(character varying)']);
      expect(await sqlDrift(orm, withWidened)).toEqual([]);
    } finally {
      await migrateUp(orm); // back to the committed files (and one overload)
    }
    expect(await sqlDrift(orm, files)).toEqual([]);
  });

  it('a file removed takes what it defined with it, unless a file elsewhere still defines that name', async () => {
    const files = await loadSqlFiles();
    const conn = orm.em.getConnection();
    const oldPath = 'src/cases/sql/case_report_retired.sql';
    const oldFunction: SqlFile = {
      path: oldPath,
      kind: 'function',
      sha256: 'a'.repeat(64),
      text: `create or replace function case_report_retired(p_x integer) returns integer
               language sql as $$ select p_x $$`,
    };
    const oldTriggerPath = 'src/cases/sql/case_report_retired_guard.trigger.sql';
    const oldTrigger: SqlFile = {
      path: oldTriggerPath,
      kind: 'trigger',
      sha256: 'b'.repeat(64),
      text: `create or replace trigger case_report_retired_guard before truncate on case_appeal
               for each statement execute function forbid_mutation()`,
    };
    // A file moved: the same function under another module's path. Its old path is gone, its name is not.
    const moved = files.find((file) => file.path === 'src/payments/sql/payment_refundable.sql')!;
    const movedFrom = 'src/refunds/sql/payment_refundable.sql';
    const count = async (sql: string): Promise<number> =>
      (await conn.execute<{ n: number }[]>(`select count(*)::int as n from ${sql}`))[0]!.n;
    try {
      await conn.transactional((trx) =>
        applySqlFiles(orm, trx, [...files, oldFunction, oldTrigger], { all: false }),
      );
      await conn.execute(`insert into schema_repeatable (path, sha256) values (?, ?)`, [
        movedFrom,
        moved.sha256,
      ]);
      expect(await count(`pg_proc where proname = 'case_report_retired'`)).toBe(1);
      expect(await count(`pg_trigger where tgname = 'case_report_retired_guard'`)).toBe(1);

      const applied = await conn.transactional((trx) => applySqlFiles(orm, trx, files, { all: false }));
      expect(applied).toEqual([
        'drop trigger case_report_retired_guard on case_appeal',
        'drop function case_report_retired(integer)',
      ]);
      expect(await count(`pg_proc where proname = 'case_report_retired'`)).toBe(0);
      expect(await count(`pg_trigger where tgname = 'case_report_retired_guard'`)).toBe(0);
      expect(await count(`pg_proc where proname = 'payment_refundable'`)).toBe(1);
      expect(
        await count(`schema_repeatable where path in ('${oldPath}', '${oldTriggerPath}', '${movedFrom}')`),
      ).toBe(0);
      expect(await sqlDrift(orm, files)).toEqual([]);
    } finally {
      await conn.execute(`drop trigger if exists case_report_retired_guard on case_appeal`);
      await conn.execute(`drop function if exists case_report_retired(integer)`);
      await conn.execute(`delete from schema_repeatable where path in (?, ?, ?)`, [
        oldPath,
        oldTriggerPath,
        movedFrom,
      ]);
    }
  });

  it('applies functions before triggers, and finds the files from dist/ as from src/', async () => {
    const files = await loadSqlFiles();
    const firstTrigger = files.findIndex((file) => file.kind === 'trigger');
    expect(firstTrigger).toBeGreaterThan(0);
    expect(files.slice(firstTrigger).every((file) => file.kind === 'trigger')).toBe(true);
    const root = packageRoot();
    expect(packageRoot(path.join(root, 'dist', 'src', 'db'))).toBe(root);
    expect(files.map((file) => file.path)).toContain('src/ledger/sql/ledger_post_entry.sql');
  });

  it('re-applies a changed file and skips the unchanged ones', async () => {
    const files = await loadSqlFiles();
    expect(await changedSqlFiles(orm, files)).toEqual([]);
    expect(await migrateUp(orm)).toEqual([]);
    const target = files.find((file) => file.path === 'src/db/sql/forbid_mutation.sql')!;
    const marker = 'not allowed (changed)';
    const edited: SqlFile = {
      ...target,
      text: target.text.replace('is not allowed', marker),
      sha256: 'f'.repeat(64),
    };
    const withEdit = files.map((file) => (file === target ? edited : file));
    expect((await changedSqlFiles(orm, withEdit)).map((file) => file.path)).toEqual([target.path]);

    const applied = await orm.em
      .getConnection()
      .transactional((trx) => applySqlFiles(orm, trx, withEdit, { all: false }));
    expect(applied).toEqual([target.path]);
    const conn = orm.em.getConnection();
    const [fn] = await conn.execute<{ def: string }[]>(
      `select pg_get_functiondef('forbid_mutation'::regproc) as def`,
    );
    expect(fn!.def).toContain(marker);
    expect(await changedSqlFiles(orm, withEdit)).toEqual([]);
    expect(await pendingMigrations(orm)).toEqual([target.path]);

    // The file as committed is applied again by the next migration run, and nothing else.
    expect(await migrateUp(orm)).toEqual([target.path]);
    const [back] = await conn.execute<{ def: string }[]>(
      `select pg_get_functiondef('forbid_mutation'::regproc) as def`,
    );
    expect(back!.def).not.toContain(marker);
    expect(await pendingMigrations(orm)).toEqual([]);
  });

  it('a start on a current database applies nothing; a changed, missing or unknown file goes the full way', async () => {
    const conn = orm.em.getConnection();
    const start = () => migrateOnStart({ ownerUrl: url, runtimeRole: undefined, entities });
    expect(await start()).toEqual([]);
    const target = 'src/db/sql/forbid_mutation.sql';
    await conn.execute(`update schema_repeatable set sha256 = ? where path = ?`, ['0'.repeat(64), target]);
    expect(await start()).toEqual([target]);
    await conn.execute(`delete from schema_repeatable where path = ?`, [target]);
    expect(await start()).toEqual([target]);
    // A file that is gone from the sources: its row goes, nothing is applied.
    await conn.execute(`insert into schema_repeatable (path, sha256) values ('src/gone/sql/gone.sql', ?)`, [
      '0'.repeat(64),
    ]);
    expect(await start()).toEqual([]);
    const [gone] = await conn.execute<{ n: number }[]>(
      `select count(*)::int as n from schema_repeatable where path = 'src/gone/sql/gone.sql'`,
    );
    expect(gone!.n).toBe(0);
    expect(await pendingMigrations(orm)).toEqual([]);
  });

  it('a start on a current database still grants a new runtime role its rights', async () => {
    const conn = orm.em.getConnection();
    const role = `t_runtime_${process.pid}`;
    await conn.execute(`create role ${role} nologin`);
    try {
      expect(await migrateOnStart({ ownerUrl: url, runtimeRole: role, entities })).toEqual([]);
      const [rights] = await conn.execute<{ refund: boolean; ledger: boolean; fn: boolean }[]>(
        `select has_table_privilege(?, 'refund', 'insert') as refund,
                has_table_privilege(?, 'journal_entry', 'update') as ledger,
                has_function_privilege(?, 'forbid_mutation()', 'execute') as fn`,
        [role, role, role],
      );
      expect(rights).toEqual({ refund: true, ledger: false, fn: true });
    } finally {
      await conn.execute(`drop owned by ${role}`);
      await conn.execute(`drop role ${role}`);
    }
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
