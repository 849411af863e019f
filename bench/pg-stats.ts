/**
 * Where PostgreSQL's time goes per unit of work, from the server's own statistics, for a benchmark run
 * with `--statements` (embedded server only: it loads `pg_stat_statements` at start, which costs a
 * little CPU per statement, so figures of such a run are for finding the cost, not for the ratio).
 *
 * - statements (`pg_stat_statements`, `track = all`): every statement, nested ones too (a function's
 *   body, a trigger's insert), so a top-level call's time includes its nested statements' time;
 * - functions (`track_functions = all`): calls and time of every PL/pgSQL function and trigger
 *   function, total and self (without the functions it called);
 * - indexes (`pg_stat_user_indexes`): how many scans each index of the given tables served over a
 *   stretch (an index no read scans only costs its writers), and how many each table has.
 *
 * Counters are differences between snapshots taken around the measured stretches, in the benchmark's
 * database only. Function and index counters reach the shared statistics when a backend goes idle
 * (at most once a second), so a stretch's edges are blurred by about that much on both ends.
 */
import pg from 'pg';
import { line } from './support.js';

/** Server settings a `--statements` run starts the embedded server with. */
export const STATEMENT_SETTINGS: Readonly<Record<string, string>> = {
  shared_preload_libraries: 'pg_stat_statements',
  'pg_stat_statements.track': 'all',
  'pg_stat_statements.max': '10000',
  track_functions: 'all',
};

interface Counter {
  readonly label: string;
  calls: number;
  ms: number;
  selfMs: number;
  rows: number;
}

export interface Snapshot {
  readonly statements: Map<string, Counter>;
  readonly functions: Map<string, Counter>;
}

const STATEMENTS_SQL = `
  select queryid::text || ':' || toplevel::text as key, toplevel, query, calls::float8 as calls,
         total_exec_time as ms, rows::float8 as rows
    from pg_stat_statements
   where dbid = (select oid from pg_database where datname = current_database())`;

const FUNCTIONS_SQL = `
  select funcid::text as key, schemaname || '.' || funcname as label, calls::float8 as calls,
         total_time as ms, self_time as self_ms
    from pg_stat_user_functions`;

export class StatementStats {
  private readonly statements = new Map<string, Counter>();
  private readonly functions = new Map<string, Counter>();
  private units = 0;

  private constructor(private readonly client: pg.Client) {}

  /** Creates the extension in the benchmark's database (the server must have loaded it). */
  static async open(databaseUrl: string): Promise<StatementStats> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query('create extension if not exists pg_stat_statements');
    return new StatementStats(client);
  }

  async snapshot(): Promise<Snapshot> {
    const statements = new Map<string, Counter>();
    const { rows } = await this.client.query<{
      key: string;
      toplevel: boolean;
      query: string;
      calls: number;
      ms: number;
      rows: number;
    }>(STATEMENTS_SQL);
    for (const r of rows) {
      const text = r.query.replace(/\s+/g, ' ').trim().slice(0, 110);
      statements.set(r.key, {
        label: `${r.toplevel ? 'top ' : 'nest'} ${text}`,
        calls: r.calls,
        ms: r.ms,
        selfMs: r.ms,
        rows: r.rows,
      });
    }
    const functions = new Map<string, Counter>();
    const fns = await this.client.query<{
      key: string;
      label: string;
      calls: number;
      ms: number;
      self_ms: number;
    }>(FUNCTIONS_SQL);
    for (const r of fns.rows) {
      functions.set(r.key, { label: r.label, calls: r.calls, ms: r.ms, selfMs: r.self_ms, rows: 0 });
    }
    return { statements, functions };
  }

  /** Adds what happened since `before` (a stretch that did `units` units of work). */
  async add(before: Snapshot, units: number): Promise<void> {
    const after = await this.snapshot();
    accumulate(this.statements, before.statements, after.statements);
    accumulate(this.functions, before.functions, after.functions);
    this.units += units;
  }

  /** The costliest statements and functions per unit of work over the stretches added. */
  print(unit: string, top = 30): void {
    if (this.units === 0) return;
    const per = (v: number) => v / this.units;
    line(
      `PostgreSQL per ${unit} (${this.units} over the counted rounds; wall time in the server, waits included):`,
    );
    line(
      '  statements (pg_stat_statements, track = all; "top" = sent by a client, "nest" = inside a function):',
    );
    line('    calls    ms   rows  statement');
    for (const c of sorted(this.statements, top)) {
      line(`  ${fmt(per(c.calls), 6, 2)} ${fmt(per(c.ms), 5, 3)} ${fmt(per(c.rows), 6, 1)}  ${c.label}`);
    }
    line('  functions (track_functions = all; self = without the functions it called):');
    line('    calls  total   self  function');
    for (const c of sorted(this.functions, top)) {
      line(`  ${fmt(per(c.calls), 6, 2)} ${fmt(per(c.ms), 6, 3)} ${fmt(per(c.selfMs), 6, 3)}  ${c.label}`);
    }
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

function accumulate(
  into: Map<string, Counter>,
  before: Map<string, Counter>,
  after: Map<string, Counter>,
): void {
  for (const [key, now] of after) {
    const was = before.get(key);
    const total = into.get(key) ?? { label: now.label, calls: 0, ms: 0, selfMs: 0, rows: 0 };
    total.calls += now.calls - (was?.calls ?? 0);
    total.ms += now.ms - (was?.ms ?? 0);
    total.selfMs += now.selfMs - (was?.selfMs ?? 0);
    total.rows += now.rows - (was?.rows ?? 0);
    if (total.calls > 0) into.set(key, total);
  }
}

function sorted(counters: Map<string, Counter>, top: number): Counter[] {
  return [...counters.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
}

const fmt = (v: number, width: number, digits: number): string => v.toFixed(digits).padStart(width);

/** Index scans by index over stretches of a run, for the tables a benchmark writes. */
export class IndexUsage {
  private last = new Map<string, number>();
  private readonly stretches: { label: string; scans: Map<string, number> }[] = [];

  constructor(
    private readonly databaseUrl: string,
    private readonly tables: readonly string[],
  ) {}

  /** Starts a stretch (the scans counted so far are its baseline). */
  async start(): Promise<void> {
    this.last = await this.read();
  }

  /** Ends the stretch begun by `start` (or the previous `stop`) under `label`. */
  async stop(label: string): Promise<void> {
    const now = await this.read();
    const scans = new Map<string, number>();
    for (const [key, count] of now) scans.set(key, count - (this.last.get(key) ?? 0));
    this.stretches.push({ label, scans });
    this.last = now;
  }

  /** Each table's indexes (every insert updates each one whose predicate the row meets) and their scans. */
  async print(): Promise<void> {
    if (this.stretches.length === 0) return;
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{
        key: string;
        table: string;
        index: string;
        size: string;
        partial: boolean;
      }>(
        `select s.relname || '.' || s.indexrelname as key, s.relname as table, s.indexrelname as index,
                pg_size_pretty(pg_relation_size(s.indexrelid)) as size, i.indpred is not null as partial
           from pg_stat_user_indexes s join pg_index i on i.indexrelid = s.indexrelid
          where s.relname = any($1::text[])
          order by s.relname, s.indexrelname`,
        [this.tables],
      );
      line(
        `index scans (pg_stat_user_indexes) by stretch: ${this.stretches.map((s) => s.label).join(' | ')}`,
      );
      let table = '';
      for (const r of rows) {
        if (r.table !== table) {
          table = r.table;
          line(`  ${table}: ${rows.filter((x) => x.table === table).length} indexes`);
        }
        const scans = this.stretches.map((s) => String(s.scans.get(r.key) ?? 0).padStart(8)).join(' ');
        line(`    ${scans}  ${r.index}${r.partial ? ' (partial)' : ''}, ${r.size}`);
      }
    } finally {
      await client.end();
    }
  }

  private async read(): Promise<Map<string, number>> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      await client.query('select pg_stat_clear_snapshot()');
      const { rows } = await client.query<{ key: string; scans: string }>(
        `select relname || '.' || indexrelname as key, idx_scan::text as scans
           from pg_stat_user_indexes where relname = any($1::text[])`,
        [this.tables],
      );
      return new Map(rows.map((r) => [r.key, Number(r.scans)]));
    } finally {
      await client.end();
    }
  }
}
