import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Transaction } from '@mikro-orm/core';
import type { MikroORM as Orm } from '@mikro-orm/postgresql';

/**
 * SQL functions and triggers are not versioned migrations: each lives in one file beside the module
 * that owns it (`src/<module>/sql/<name>.sql`, a trigger in `<name>.trigger.sql`), and is re-applied
 * whenever its content changes, like Flyway's repeatable migrations. A file holds one `create or
 * replace function`, or one trigger (`create or replace trigger`; a constraint trigger, which cannot
 * be replaced: `drop trigger if exists` then `create constraint trigger`).
 */
export interface SqlFile {
  /** Relative to the package root, with `/` separators: the key of the tracking table. */
  readonly path: string;
  readonly kind: 'function' | 'trigger';
  readonly sha256: string;
  readonly text: string;
}

/** Folders under the package root that hold modules with `sql/` folders. */
const SQL_ROOTS = ['src', 'reconciliation'];

/** Tracks what was applied: one row per file, the hash of the content applied last. */
export const TRACKING_TABLE = 'schema_repeatable';

/**
 * The package root, found from this file whether it runs from `src/` (vitest, tsx) or from the
 * compiled `dist/src/`: the `.sql` files are read from the source tree, never copied into `dist/`.
 */
export function packageRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/**
 * Every `sql/*.sql` file under the source roots, in the order they are applied: functions first
 * (triggers need the functions they execute), each group by path, so the order never depends on the
 * file system.
 */
export async function loadSqlFiles(root = packageRoot()): Promise<SqlFile[]> {
  const paths: string[] = [];
  for (const sourceRoot of SQL_ROOTS) {
    const base = path.join(root, sourceRoot);
    if (!existsSync(base)) continue;
    for (const entry of await readdir(base, { recursive: true })) {
      const relative = path.join(sourceRoot, entry).split(path.sep).join('/');
      if (/(^|\/)sql\/[^/]+\.sql$/.test(relative)) paths.push(relative);
    }
  }
  // Read together, not one after another: the service's start waits for them.
  const files = await Promise.all(
    paths.map(async (relative): Promise<SqlFile> => {
      const text = await readFile(path.join(root, relative), 'utf8');
      return {
        path: relative,
        kind: relative.endsWith('.trigger.sql') ? 'trigger' : 'function',
        sha256: createHash('sha256').update(text).digest('hex'),
        text,
      };
    }),
  );
  const rank = (file: SqlFile): number => (file.kind === 'function' ? 0 : 1);
  return files.sort((a, b) => rank(a) - rank(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Files whose content differs from what the database last applied (or that it never applied). */
export async function changedSqlFiles(
  orm: Orm,
  files: readonly SqlFile[],
  trx?: Transaction,
): Promise<SqlFile[]> {
  const conn = orm.em.getConnection();
  const [exists] = await conn.execute<{ present: boolean }[]>(
    `select to_regclass(?) is not null as present`,
    [TRACKING_TABLE],
    'all',
    trx,
  );
  if (!exists?.present) return [...files];
  const rows = await conn.execute<{ path: string; sha256: string }[]>(
    `select path, sha256 from ${TRACKING_TABLE}`,
    [],
    'all',
    trx,
  );
  const applied = new Map(rows.map((row) => [row.path, row.sha256]));
  return files.filter((file) => applied.get(file.path) !== file.sha256);
}

/** The object a file defines, by the statement that creates it (each file is named after it). */
export function definedName(file: SqlFile): string {
  const match = /create (?:or replace )?(?:constraint )?(?:function|trigger) (\w+)/i.exec(file.text);
  if (!match) throw new Error(`${file.path} creates no function or trigger`);
  return match[1]!;
}

/**
 * The repeatable step, inside the migration run's transaction (after the versioned migrations, under
 * the same lock): applies each changed file, or every file when `all` (a versioned migration ran in
 * this transaction and may have dropped or altered what a definition relies on), and records the
 * hashes. Rows of files that no longer exist are removed, so a file added back is applied again, and
 * what such a file defined is dropped (`dropRemovedDefinitions`).
 * Function bodies are not checked while applying, so `language sql` functions may call each other
 * whatever the order. Last, `dropStaleOverloads`. Returns the paths applied, then the drops of removed
 * files' definitions, then `drop function …` for each stale overload dropped.
 */
export async function applySqlFiles(
  orm: Orm,
  trx: Transaction,
  files: readonly SqlFile[],
  options: { all: boolean },
): Promise<string[]> {
  const conn = orm.em.getConnection();
  await conn.execute(
    `create table if not exists ${TRACKING_TABLE} (
       path varchar(300) primary key,
       sha256 char(64) not null,
       applied_at timestamptz not null default now()
     )`,
    [],
    'run',
    trx,
  );
  const due = options.all ? files : await changedSqlFiles(orm, files, trx);
  await conn.execute(`set local check_function_bodies = off`, [], 'run', trx);
  for (const file of due) await applySqlFile(orm, trx, file);
  const present = new Set(files.map((file) => file.path));
  const tracked = await conn.execute<{ path: string }[]>(
    `select path from ${TRACKING_TABLE}`,
    [],
    'all',
    trx,
  );
  const gone = tracked.map((row) => row.path).filter((tracked) => !present.has(tracked));
  const removed = await dropRemovedDefinitions(orm, trx, files, gone);
  for (const path of gone) {
    await conn.execute(`delete from ${TRACKING_TABLE} where path = ?`, [path], 'run', trx);
  }
  const { reapplied, dropped } = await dropStaleOverloads(orm, trx, files);
  const applied = [...due, ...reapplied.filter((file) => !due.includes(file))];
  return [
    ...applied.map((file) => file.path),
    ...removed,
    ...dropped.map((signature) => `drop function ${signature}`),
  ];
}

/**
 * A file that was applied once and is gone now: what it defined goes too, or every existing database
 * would keep a function (or trigger) that no file describes any more. Each file is named after what it
 * defines, so the name comes from the path; a name that a present file still defines (the file moved
 * to another module) is kept. Triggers go first, then functions, without cascade: something that still
 * uses a function fails the run, loudly. Returns `drop trigger … on …` and `drop function …` lines.
 */
async function dropRemovedDefinitions(
  orm: Orm,
  trx: Transaction,
  files: readonly SqlFile[],
  gone: readonly string[],
): Promise<string[]> {
  if (gone.length === 0) return [];
  const conn = orm.em.getConnection();
  const defined = new Set(files.map((file) => `${file.kind} ${definedName(file)}`));
  const named = (kind: SqlFile['kind']): string[] =>
    gone
      .filter((gonePath) => gonePath.endsWith('.trigger.sql') === (kind === 'trigger'))
      .map((gonePath) => path.posix.basename(gonePath).replace(/(\.trigger)?\.sql$/, ''))
      .filter((name) => /^\w+$/.test(name) && !defined.has(`${kind} ${name}`));
  const statements: string[] = [];
  const triggers = named('trigger');
  if (triggers.length > 0) {
    const rows = await conn.execute<{ statement: string }[]>(
      `select format('drop trigger %I on %s', t.tgname, t.tgrelid::regclass) as statement
         from pg_trigger t
        where not t.tgisinternal and t.tgname in (select jsonb_array_elements_text(?::jsonb))
        order by 1`,
      [JSON.stringify(triggers)],
      'all',
      trx,
    );
    statements.push(...rows.map((row) => row.statement));
  }
  const functions = named('function');
  if (functions.length > 0) {
    const rows = await conn.execute<{ statement: string }[]>(
      `select 'drop function ' || p.oid::regprocedure::text as statement
         from pg_proc p
        where p.pronamespace = 'public'::regnamespace and p.proname in (select jsonb_array_elements_text(?::jsonb))
        order by 1`,
      [JSON.stringify(functions)],
      'all',
      trx,
    );
    statements.push(...rows.map((row) => row.statement));
  }
  for (const statement of statements) await conn.execute(statement, [], 'run', trx);
  return statements;
}

async function applySqlFile(orm: Orm, trx: Transaction, file: SqlFile): Promise<void> {
  const conn = orm.em.getConnection();
  try {
    await conn.execute(file.text, [], 'run', trx);
  } catch (error) {
    throw new Error(`applying ${file.path} failed: ${(error as Error).message}`, { cause: error });
  }
  await conn.execute(
    `insert into ${TRACKING_TABLE} (path, sha256) values (?, ?)
     on conflict (path) do update set sha256 = excluded.sha256, applied_at = now()`,
    [file.path, file.sha256],
    'run',
    trx,
  );
}

/**
 * Functions named by the files (`public` schema) that have more than one overload: a query of the
 * catalog, also run by the warm start's check. (Names are `\w+`, checked by `definedName`.)
 */
export function overloadedFunctionsQuery(files: readonly SqlFile[]): string {
  const names = files.filter((file) => file.kind === 'function').map(definedName);
  return `select p.proname::text as name, p.oid::regprocedure::text as signature,
                 coalesce(p.xmin::text = (pg_current_xact_id_if_assigned()::text::bigint % 4294967296)::text, false)
                   as fresh
            from pg_proc p
           where p.pronamespace = 'public'::regnamespace
             and p.proname = any (array[${names.map((name) => `'${name}'`).join(', ')}]::name[])
             and (select count(*) from pg_proc q
                   where q.pronamespace = p.pronamespace and q.proname = p.proname) > 1`;
}

/**
 * `create or replace function` replaces the function with the same identity arguments only: a file
 * whose signature changed adds an overload, and the old one would stay in every existing database.
 * Each file defines one function, so for a name with several overloads the file's own is the one
 * this transaction wrote (its `pg_proc` row's xmin); when the file was not applied in this run, it
 * is applied again to tell. Every other overload of that name is dropped (without cascade: something
 * that still uses one fails the run, loudly).
 */
async function dropStaleOverloads(
  orm: Orm,
  trx: Transaction,
  files: readonly SqlFile[],
): Promise<{ reapplied: SqlFile[]; dropped: string[] }> {
  const conn = orm.em.getConnection();
  type Overload = { name: string; signature: string; fresh: boolean };
  const query = overloadedFunctionsQuery(files);
  let overloads = await conn.execute<Overload[]>(query, [], 'all', trx);
  if (overloads.length === 0) return { reapplied: [], dropped: [] };
  const byName = new Map(files.filter((file) => file.kind === 'function').map((f) => [definedName(f), f]));
  const unknown = new Set(overloads.map((o) => o.name));
  for (const o of overloads) if (o.fresh) unknown.delete(o.name);
  const reapplied = [...unknown].map((name) => byName.get(name)!);
  for (const file of reapplied) await applySqlFile(orm, trx, file);
  if (reapplied.length > 0) overloads = await conn.execute<Overload[]>(query, [], 'all', trx);
  const dropped = overloads.filter((o) => !o.fresh).map((o) => o.signature);
  for (const signature of dropped) await conn.execute(`drop function ${signature}`, [], 'run', trx);
  return { reapplied, dropped };
}
