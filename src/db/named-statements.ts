import { createHash } from 'node:crypto';
import { context, propagation, trace } from '@opentelemetry/api';
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
 * The session setting through which `job_enqueue` (src/jobs/sql) learns the trace a statement runs in:
 * the W3C `traceparent` of the span active when the statement was sent, '' outside a traced operation.
 */
export const TRACEPARENT_SETTING = 'takeout.traceparent';
const SET_TRACEPARENT = {
  name: 'takeout_set_traceparent',
  text: `select set_config('${TRACEPARENT_SETTING}', $1, false)`,
};
/** What a connection holds after a rollback may have undone a set_config: never a real value. */
const UNKNOWN = '?';

/** The active span's W3C `traceparent`, or '' (tracing off: no span, and no propagator to ask). */
function activeTraceparent(): string {
  if (trace.getActiveSpan() === undefined) return '';
  const carrier: { traceparent?: string } = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? '';
}

/** The text of a query as pg receives it (a string or a config object). */
const textOf = (config: unknown): string => {
  if (typeof config === 'string') return config;
  const text = (config as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : '';
};

/**
 * A pg client class for a pool's documented `Client` option that sends the statements `nameFor` names
 * as named prepared statements: parsed and planned once per connection instead of on every call.
 * Everything else (BEGIN/COMMIT, multi-statement migrations) goes through untouched.
 */
export function namedStatementsClient(
  nameFor: (text: string, values: unknown) => string | undefined,
  options: { readonly traceContext?: boolean } = {},
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
      // With `traceContext`, the connection's TRACEPARENT_SETTING follows the trace of what it runs: set
      // (queued just before the statement, on the same connection) when it differs from what was set.
      // Session-level, since a statement may run outside a transaction; a rollback undoes a set made in
      // its transaction, so after one the value is unknown and set again. Tracing off: no span, so never
      // a statement more.
      let traceparent = '';
      let setSinceBegin = false;
      const carryTrace = (config: unknown) => {
        const text = textOf(config);
        if (/^\s*(begin|start\s+transaction)\b/i.test(text)) setSinceBegin = false;
        const now = activeTraceparent();
        if (now !== traceparent) {
          traceparent = now;
          setSinceBegin = true;
          // It fails only where the statement behind it fails too (an aborted transaction): ignored.
          (query({ ...SET_TRACEPARENT, values: [now] }) as Promise<unknown>).catch(() => undefined);
        }
        if (setSinceBegin && /^\s*rollback\b/i.test(text)) traceparent = UNKNOWN;
      };
      const named: Query = (config, ...rest) => {
        if (options.traceContext) carryTrace(config);
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
export const PreparedStatementsClient = namedStatementsClient(
  (text, values) => (Array.isArray(values) && preparedTexts.has(text) ? statementName(text) : undefined),
  { traceContext: true },
);
