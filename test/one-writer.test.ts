import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/db/index.js';

/**
 * One writer per table: a table is written (INSERT, UPDATE, DELETE, TRUNCATE, COPY) only by the module
 * that owns it, in TypeScript and in SQL alike; another module calls the owner's published function.
 * The owner is the module whose folder holds the table's entity (`tableName`), so moving an entity
 * moves the ownership with it. Statements are found by their text, in SQL files and in TypeScript strings.
 */
const root = packageRoot();

/** Tables that have no entity: pg-boss's own schema, and the repeatable step's tracking table. */
const OWNERS_WITHOUT_ENTITY: Readonly<Record<string, string>> = {
  'pgboss.job': 'jobs',
  'pgboss.queue': 'jobs',
  schema_repeatable: 'db',
};

const WRITES = [
  /\binsert\s+into\s+"?([a-z_]+(?:\.[a-z_]+)?)"?/gi,
  /\bdelete\s+from\s+"?([a-z_]+(?:\.[a-z_]+)?)"?/gi,
  // Not a trigger's event list (`before truncate on t`).
  /\btruncate\s+(?:table\s+)?(?!on\b)"?([a-z_]+(?:\.[a-z_]+)?)"?/gi,
  // A bulk load: `copy t (columns) from stdin`, `copy t from …`.
  /\bcopy\s+"?([a-z_]+(?:\.[a-z_]+)?)"?\s*(?:\(|from\b)/gi,
  // `update t [alias] set`, not `for update`, `do update set` or `update of` (a trigger's column list).
  /(?<!for\s|no key\s|do\s)\bupdate\s+"?([a-z_]+(?:\.[a-z_]+)?)"?(?:\s+(?:as\s+)?[a-z_]+)?\s+set\b/gi,
];

async function filesUnder(dir: string, accept: (file: string) => boolean): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { recursive: true });
  return entries
    .map((entry) => path.join(dir, entry).split(path.sep).join('/'))
    .filter(accept)
    .sort();
}

/** `src/<module>/…` → module; `reconciliation/…` → reconciliation. */
function moduleOf(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'src' ? parts[1]! : parts[0]!;
}

async function tableOwners(): Promise<Map<string, string>> {
  const owners = new Map(Object.entries(OWNERS_WITHOUT_ENTITY));
  const entityFiles = [
    ...(await filesUnder('src', (f) => f.endsWith('.entity.ts'))),
    ...(await filesUnder('reconciliation', (f) => f.endsWith('.entity.ts')).catch(() => [])),
  ];
  for (const file of entityFiles) {
    const text = await readFile(path.join(root, file), 'utf8');
    for (const [, table] of text.matchAll(/tableName:\s*'([a-z_]+)'/g)) owners.set(table!, moduleOf(file));
  }
  return owners;
}

/** A file's text without comments: they say what a function does, not what it reads or writes. */
async function codeOf(file: string): Promise<string> {
  return (await readFile(path.join(root, file), 'utf8'))
    .replace(/--[^\n]*/g, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|\s)\/\/[^\n]*/g, '$1');
}

async function writesIn(file: string): Promise<string[]> {
  const text = await codeOf(file);
  return WRITES.flatMap((pattern) => [...text.matchAll(pattern)].map((m) => m[1]!.toLowerCase()));
}

describe('one writer per table', () => {
  it('every table written from src/ is written only by the module that owns it', async () => {
    const owners = await tableOwners();
    expect(owners.get('refund')).toBe('refunds');
    expect(owners.get('payment')).toBe('payments');
    const files = [
      ...(await filesUnder('src', (f) => /\.(ts|sql)$/.test(f) && !f.endsWith('.spec.ts'))),
      ...(await filesUnder('reconciliation', (f) => /\.(ts|sql)$/.test(f)).catch(() => [])),
    ];
    const foreign: string[] = [];
    let writes = 0;
    for (const file of files) {
      for (const table of await writesIn(file)) {
        writes++;
        const owner = owners.get(table);
        if (owner !== moduleOf(file)) foreign.push(`${file} writes ${table} (owner: ${owner ?? 'none'})`);
      }
    }
    expect(writes).toBeGreaterThan(20);
    expect(foreign).toEqual([]);
  });

  it('recognises writes, and not locks, upserts or trigger column lists', async () => {
    const sample = [
      `insert into payment (id) values (1)`,
      `update refund r set status = 'X'`,
      `delete from "ops_exception" where true`,
      `select 1 from ledger_account for update`,
      `insert into notification values (1) on conflict (id) do update set x = 1`,
      `before update of status on refund`,
      `before truncate on audit_event`,
      `truncate table posting`,
      `copy recon_statement_row (file_id, line_no) from stdin`,
    ].join(';\n');
    const found = WRITES.flatMap((pattern) => [...sample.matchAll(pattern)].map((m) => m[1]));
    expect(found.sort()).toEqual([
      'notification',
      'ops_exception',
      'payment',
      'posting',
      'recon_statement_row',
      'refund',
    ]);
  });
});

/**
 * Reads of another module's table, allowed only where the README's architecture section says why
 * (read-only, in a path that cannot go through the owner's published functions). Everything else
 * reads through the owner: its `index.ts` in TypeScript, its published SQL functions in SQL.
 */
const FOREIGN_READS_ALLOWED: Readonly<Record<string, readonly string[]>> = {
  // The nightly bulk match: one hash join of a day's statement rows with the payments and refunds.
  'reconciliation/recon.matcher.ts': ['payment', 'refund'],
  'reconciliation/recon.service.ts': ['payment', 'refund'],
  // The simulator's invariant checks read everything a seed wrote (a test harness, not the service).
  'src/simulate/invariants.ts': ['journal_entry', 'ledger_account', 'payment', 'posting', 'refund'],
  'src/simulate/run-seed.ts': ['refund'],
};

/** A table read: `from t`, `join t` (not `from f(…)`, a function). */
const READ = /\b(?:from|join)\s+"?([a-z_]+(?:\.[a-z_]+)?)"?\b(?!\s*\()/gi;
const tablesRead = (text: string): string[] => [...text.matchAll(READ)].map((m) => m[1]!.toLowerCase());

describe('reads through the owner', () => {
  it("no module reads another module's table, except the documented read-only paths", async () => {
    const owners = await tableOwners();
    const files = [
      ...(await filesUnder('src', (f) => /\.(ts|sql)$/.test(f) && !f.endsWith('.spec.ts'))),
      ...(await filesUnder('reconciliation', (f) => /\.(ts|sql)$/.test(f)).catch(() => [])),
    ];
    const foreign: string[] = [];
    const allowedSeen = new Set<string>();
    let reads = 0;
    for (const file of files) {
      for (const table of new Set(tablesRead(await codeOf(file)))) {
        const owner = owners.get(table);
        if (owner === undefined) continue; // not a table (a CTE, an alias, a word in a string)
        reads++;
        if (owner === moduleOf(file)) continue;
        if (FOREIGN_READS_ALLOWED[file]?.includes(table)) allowedSeen.add(`${file} ${table}`);
        else foreign.push(`${file} reads ${table} (owner: ${owner})`);
      }
    }
    expect(reads).toBeGreaterThan(20);
    expect(foreign).toEqual([]);
    // The allowances are still needed (a stale one would hide nothing, but would mislead).
    const allowed = Object.entries(FOREIGN_READS_ALLOWED).flatMap(([file, tables]) =>
      tables.map((table) => `${file} ${table}`),
    );
    expect([...allowedSeen].sort()).toEqual(allowed.sort());
  });

  it('recognises table reads, and not function calls', async () => {
    const sample = `select * from refund r join payment p on true; select * from payment_provider_facts($1)`;
    expect(tablesRead(sample)).toEqual(['refund', 'payment']);
  });
});

describe("the README's architecture section", () => {
  it('names every table (with its writer) and every SQL file', async () => {
    const readme = await readFile(path.join(root, 'README.md'), 'utf8');
    const architecture = readme.slice(
      readme.indexOf('## Architecture'),
      readme.indexOf('### Adding a feature module'),
    );
    const tables = [...(await tableOwners()).keys()];
    const sqlFiles = [
      ...(await filesUnder('src', (f) => /\/sql\/[^/]+\.sql$/.test(f))),
      ...(await filesUnder('reconciliation', (f) => /\/sql\/[^/]+\.sql$/.test(f)).catch(() => [])),
    ];
    const names = sqlFiles.map((file) => path.basename(file).replace(/(\.trigger)?\.sql$/, ''));
    expect(tables.length).toBeGreaterThan(20);
    expect(names.length).toBeGreaterThan(40);
    const missing = [...tables, ...names].filter((name) => !architecture.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});

describe('SQL has one home', () => {
  it('no function or trigger is defined outside the sql/ files (migrations, TypeScript)', async () => {
    const files = [
      ...(await filesUnder('migrations', (f) => f.endsWith('.ts'))),
      ...(await filesUnder('src', (f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))),
      ...(await filesUnder('reconciliation', (f) => f.endsWith('.ts')).catch(() => [])),
    ];
    const defining: string[] = [];
    for (const file of files) {
      const code = await codeOf(file);
      if (/create\s+(or\s+replace\s+)?(constraint\s+)?(function|trigger|procedure)\b|\bas\s+\$\$/i.test(code))
        defining.push(file);
    }
    expect(files.filter((file) => file.startsWith('migrations/')).length).toBeGreaterThan(1);
    expect(defining).toEqual([]);
  });
});
