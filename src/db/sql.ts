import type { Reference } from '@mikro-orm/core';
import { CompiledQuery } from 'kysely';
import { markPrepared } from './named-statements.js';
import type { EntityManager, Orm } from './orm.js';

/**
 * Raw SQL with real bind parameters ($1, $2, …) on an entity manager's connection — inside its
 * transaction when it has one. Hand-written SQL keeps hot paths to one round trip and locking explicit.
 * Runs through Kysely's public `executeQuery(CompiledQuery.raw(…))` on the ORM's own connection.
 */
export interface Sql {
  rows<R>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /**
   * The same as a named prepared statement: parsed and planned once per connection, not on every call
   * (the ORM pool's `PreparedStatementsClient` names it). For hot statements with a fixed text and
   * bind parameters only: each distinct text stays prepared on every connection.
   */
  prepared<R>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

/**
 * A read another module publishes for a caller's statement (one round trip for several owners' reads):
 * an SQL expression whose value is JSON, over parameters numbered from `$<first>`, and the reader of
 * that value. The SQL and its parsing stay with the owner; the caller only places it.
 */
export interface SqlPart<T> {
  sql(first: number): string;
  readonly params: readonly unknown[];
  read(value: unknown): T;
}

export function sqlOn(em: EntityManager): Sql {
  const kysely = em.getKysely<unknown>();
  const rows = async <R>(text: string, params: readonly unknown[] = []): Promise<R[]> => {
    const result = await kysely.executeQuery<R>(CompiledQuery.raw(text, [...params]));
    return [...result.rows];
  };
  return {
    rows,
    prepared: (text, params = []) => {
      markPrepared(text);
      return rows(text, params);
    },
  };
}

const poolSql = new WeakMap<Orm, Sql>();

/**
 * Autocommit statements on the ORM's pool, each on whichever connection is free: for reads and for
 * single-statement writes. One per ORM, so a call does not fork an entity manager.
 */
export function sqlOnPool(orm: Orm): Sql {
  let sql = poolSql.get(orm);
  if (sql === undefined) {
    sql = sqlOn(orm.em.fork());
    poolSql.set(orm, sql);
  }
  return sql;
}

const TRANSACTION_ATTEMPTS = 4;

/**
 * Runs `work` in a READ COMMITTED transaction on a fresh entity manager. A deadlock or serialization
 * failure rolls everything back, so the whole unit is retried a bounded number of times.
 */
export async function inTransaction<T>(orm: Orm, work: (em: EntityManager) => Promise<T>): Promise<T> {
  return retryingTransaction(() => orm.em.fork().transactional((em) => work(em as EntityManager)));
}

/**
 * Runs a unit that is one transaction (a `transactional` block, or a single statement that commits on
 * its own) again after a deadlock or serialization failure, with jittered backoff, a bounded number
 * of times (`attempts`, default 4). When they run out, the last failure is rethrown, or what
 * `exhausted` makes of it.
 */
export async function retryingTransaction<T>(
  unit: () => Promise<T>,
  options: { attempts?: number; exhausted?: (attempts: number, error: unknown) => unknown } = {},
): Promise<T> {
  const attempts = options.attempts ?? TRANSACTION_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await unit();
    } catch (error) {
      if (!isRetryableTransactionError(error)) throw error;
      if (attempt >= attempts) throw options.exhausted ? options.exhausted(attempt, error) : error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));
    }
  }
}

export interface PgError {
  readonly code: string;
  readonly constraint?: string;
  readonly message: string;
}

/** The driver error behind whatever wrapped it (MikroORM exceptions keep it as `cause`/`previous`). */
export function pgErrorOf(error: unknown): PgError | null {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    const candidate = e as { code?: unknown; cause?: unknown; previous?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code))
      return candidate as PgError;
    e = candidate.cause ?? candidate.previous;
  }
  return null;
}

/** Serialization failure or deadlock: the whole transaction may be retried. */
export function isRetryableTransactionError(error: unknown): boolean {
  const code = pgErrorOf(error)?.code;
  return code === '40001' || code === '40P01';
}

/** Socket errors of a database that is down, restarting or out of reach. */
const UNREACHABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/** pg's and pg-pool's own messages for a connection lost, or never made. */
const UNREACHABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|is not queryable|Connection ended|the database system is (starting up|shutting down|in recovery mode)/i;

/**
 * The database cannot be reached right now (down, restarting, connections cut, all of them refused):
 * nothing was decided, so the caller may retry. SQLSTATE class 08 (connection exception), 57P01–57P03
 * (the server shutting down or starting), 53300 (too many connections), socket errors, and pg's
 * messages for a lost connection, wherever they sit in the chain of wrapped errors.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    const candidate = e as { code?: unknown; message?: unknown; cause?: unknown; previous?: unknown };
    const code = typeof candidate.code === 'string' ? candidate.code : '';
    if (/^08[0-9A-Z]{3}$/.test(code) || ['57P01', '57P02', '57P03', '53300'].includes(code)) return true;
    if (UNREACHABLE_ERRNOS.has(code)) return true;
    if (typeof candidate.message === 'string' && UNREACHABLE_MESSAGE.test(candidate.message)) return true;
    e = candidate.cause ?? candidate.previous;
  }
  return false;
}

/**
 * The row hand-written SQL returns for entity `E`'s properties `K`, when it selects their columns aliased
 * to the property names (`amount_minor as "amountMinor"`): the entity's types, except what the driver
 * hands over as text — int8 (bigint ids, minor units) and timestamps — and references, as their key;
 * a nullable column is `| null` (SQL has no undefined).
 * `toBigint` and `toDate` convert those where the code needs them, so the hot paths copy no row.
 */
export type SqlRow<E, K extends keyof E> = { [P in K]: SqlValue<E[P]> };

type SqlValue<T> = T extends undefined ? never : T extends bigint | Date | Reference<object> ? string : T;

/**
 * The same row for SQL that reads a table's rows whole (`select *`, `returning *`, a function
 * returning the table's row type), in the table's column names: each property `P` of `K` under its
 * column (`amountMinor` → `amount_minor`; a reference `order` → `order_id`, as the ORM names them).
 * One description, the entity, for both shapes.
 */
export type TableRow<E, K extends keyof E & string> = {
  [P in K as ColumnName<P, E[P]>]: SqlValue<E[P]>;
};

type ColumnName<P extends string, T> = [Extract<T, Reference<object>>] extends [never]
  ? SnakeCase<P>
  : `${SnakeCase<P>}_id`;

type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Uppercase<Head> ? (Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`) : Head}${SnakeCase<Tail>}`
  : S;

export const toBigint = (value: unknown): bigint => BigInt(String(value));
export const toDate = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));

/**
 * The select list of a `SqlRow`: each property's column aliased to the property's name
 * (`amount_minor as "amountMinor"`), columns of `of` when given (a table alias `r.`, or a composite
 * value `(t.o_refund).`). `columns` names every property of the row, so the list and the type agree.
 */
export function selectList<K extends string>(columns: Readonly<Record<K, string>>, of = ''): string {
  return Object.entries<string>(columns)
    .map(([property, column]) => (property === column ? `${of}${column}` : `${of}${column} as "${property}"`))
    .join(', ');
}
