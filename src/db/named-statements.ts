import { createHash } from 'node:crypto';
import pg from 'pg';

const statementNames = new Map<string, string>();

/** A stable name per statement text (pg reuses the server-side statement of that name per connection). */
export function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `s_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

type Query = (config: unknown, ...rest: unknown[]) => unknown;

/**
 * A pg client class for a pool's documented `Client` option that sends the statements `nameFor` names
 * as named prepared statements: parsed and planned once per connection instead of on every call.
 * Everything else (BEGIN/COMMIT, multi-statement migrations) goes through untouched.
 */
export function namedStatementsClient(
  nameFor: (text: string, values: unknown) => string | undefined,
): typeof pg.Client {
  return class NamedStatementsClient extends pg.Client {
    constructor(config?: string | (pg.ClientConfig & { onConnectionError?: (error: Error) => void })) {
      super(config);
      // pg's pool listens for errors only on idle clients; a connection that drops while checked out
      // (PostgreSQL stopping, a network cut) would emit 'error' to nobody, which ends the process. The
      // statement in flight rejects on its own, so reporting it is all there is to do.
      const report = typeof config === 'object' ? config.onConnectionError : undefined;
      if (report !== undefined) this.on('error', report);
      const query = super.query.bind(this) as Query;
      const named: Query = (config, ...rest) => {
        if (typeof config !== 'string') return query(config, ...rest);
        const name = nameFor(config, rest[0]);
        // A fresh config object per call: pg keeps the values and the callback on it.
        return name === undefined ? query(config, ...rest) : query({ name, text: config }, ...rest);
      };
      Object.defineProperty(this, 'query', { value: named, writable: true, configurable: true });
      givesItselfBackWhenDead(this);
    }
  };
}

type Release = (error?: Error | boolean) => void;

/**
 * A checked-out client whose connection ends (PostgreSQL restarted, the session terminated) goes back
 * to its pool at once, which drops it. Its holder may never give it back: Kysely's transaction releases
 * its connection only when COMMIT or ROLLBACK succeeds (kysely-org/kysely#1990), which on a dead
 * connection they cannot, so every transaction in flight when the database went away would hold a
 * pool slot for ever: the pool fills up, every later statement waits for a slot that never frees, and
 * the pool's end (a graceful shutdown) waits for ever too. The pool sets `release` at each checkout;
 * it is made idempotent here, so the holder's own later release is a no-op.
 */
function givesItselfBackWhenDead(client: pg.Client): void {
  let release: Release | undefined;
  Object.defineProperty(client, 'release', {
    configurable: true,
    get: () => release,
    set: (poolRelease: Release | undefined) => {
      let released = false;
      release =
        poolRelease &&
        ((error) => {
          if (released) return;
          released = true;
          poolRelease(error);
        });
    },
  });
  client.on('end', () => release?.(new Error('connection ended while checked out')));
}

/** Texts sent through `Sql.prepared`: fixed by construction (a statement with bind parameters). */
const preparedTexts = new Set<string>();

export function markPrepared(text: string): void {
  preparedTexts.add(text);
}

/** The ORM pool's client: the texts `Sql.prepared` ran are named prepared statements. */
export const PreparedStatementsClient = namedStatementsClient((text, values) =>
  Array.isArray(values) && preparedTexts.has(text) ? statementName(text) : undefined,
);
