import proxyAddr from '@fastify/proxy-addr';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RateLimitConfig } from '../config/index.js';
import { newId } from '../db/index.js';
import type { Logger } from '../logging/index.js';
import { FixedWindows } from './fixed-windows.js';

export type Budget = 'authenticated' | 'anonymous' | 'authFailures' | 'notify';

/** Where refusals are counted (a metric), since they are never logged one by one. */
export type RefusalCounter = (budget: Budget) => void;

export interface RateLimitOptions {
  readonly config: RateLimitConfig;
  /** Fastify's `trustProxy`, so that the address counted is the one Fastify reports. */
  readonly trustProxy: boolean | number | string | undefined;
  /** Headers every response carries (security headers), written on early refusals too. */
  readonly headers: Readonly<Record<string, string>>;
  readonly logger: Logger;
  readonly refused?: RefusalCounter | undefined;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const UNCOUNTED = new Set(['/healthz', '/readyz']);
/** At most one line a minute sums up the refusals since the last. */
const REPORT_EVERY_MS = 60_000;

type RawRequest = Pick<IncomingMessage, 'headers' | 'url' | 'socket'>;

/** Requests counted by address before Fastify sees them: notify callbacks and callers without a token. */
function countedByAddress(raw: RawRequest): boolean {
  const auth = raw.headers.authorization;
  return auth === undefined || auth === '' || (raw.url ?? '').startsWith('/notify/');
}

/**
 * Fixed-window counters in this process's memory (`FixedWindows`): per signed-in subject, per client
 * address for anonymous callers and, much smaller, for failed authentication, and a separate budget
 * for provider notify callbacks. Memory rather than PostgreSQL: a counter costs no round trip, and an
 * attacker's traffic never reaches the database; with N api replicas behind a balancer the effective
 * budget is N times the setting.
 *
 * Refusing must cost as little as possible, since a flood is refused on the same event loop that
 * serves everyone else: what is counted by address (no token, or a notify callback) is counted and
 * refused on the raw request, before Fastify builds a request, a logger or runs a hook, with a
 * prepared response (no error object, no log line; `refused` counts them, and one line a minute sums
 * them up). Bearer tokens must be verified to know whose budget they spend: those are counted in an
 * `onRequest` hook, after `authenticateRequests`, and refused from there the same way.
 */
export function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): void {
  const { config } = options;
  if (!config.enabled) return;
  const windows = new FixedWindows(config.windowMs);
  const report = refusalReport(options.logger);
  const refuse = (budget: Budget) => {
    options.refused?.(budget);
    report(budget);
  };
  const addressOf = clientAddress(options.trustProxy);
  const exempt = (url: string, address: string | undefined) =>
    UNCOUNTED.has(url) || (config.exemptLoopback && address !== undefined && LOOPBACK.has(address));

  gateRequests(app, (raw, res) => {
    const url = raw.url ?? '';
    if (!countedByAddress(raw)) return false;
    const address = addressOf(raw);
    if (exempt(url, address)) return false;
    const budget = url.startsWith('/notify/') ? 'notify' : 'anonymous';
    const retryAfter = windows.hit(`${budget}:${address}`, config[budget]);
    if (retryAfter === 0) return false;
    refuse(budget);
    const requestId = newId('req');
    const body = JSON.stringify(refusalBody(url, retryAfter, requestId));
    res.writeHead(429, {
      ...options.headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'retry-after': String(retryAfter),
      'x-request-id': requestId,
    });
    res.end(body);
    return true;
  });

  app.addHook('onRequest', (request, reply, done) => {
    if (countedByAddress(request.raw) || exempt(request.url, request.ip)) return done();
    const { key, budget } = subjectBudget(request);
    const retryAfter = windows.hit(key, config[budget]);
    if (retryAfter === 0) return done();
    refuse(budget);
    void reply
      .code(429)
      .header('retry-after', String(retryAfter))
      .header('x-request-id', request.id)
      .send(refusalBody(request.url, retryAfter, request.id));
  });
}

/** A signed-in caller's budget, or (a token that did not verify) the failed-authentication one. */
function subjectBudget(request: FastifyRequest): { key: string; budget: Budget } {
  const auth = request.authentication;
  if (auth.kind === 'viewer') return { key: `sub:${auth.viewer.subject}`, budget: 'authenticated' };
  return { key: `authFailures:${request.ip}`, budget: 'authFailures' };
}

/** GraphQL clients get a GraphQL error; every other route the plain error shape. */
function refusalBody(url: string, retryAfterSeconds: number, requestId: string): object {
  const message = `Too many requests: retry after ${retryAfterSeconds} s.`;
  const extensions = { code: 'RATE_LIMITED', retryAfterSeconds, requestId };
  if (url.startsWith('/graphql')) return { errors: [{ message, extensions }] };
  return { error: { message, ...extensions } };
}

/**
 * Puts `refused` in front of the server's request listener (Fastify's), for HTTP/1.1 and HTTP/2
 * alike: a request it answers never reaches Fastify.
 */
function gateRequests(app: FastifyInstance, refused: (raw: IncomingMessage, res: ServerResponse) => boolean) {
  const server = app.server;
  const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (refused(req, res)) return;
    for (const listener of listeners) listener(req, res);
  });
}

/** The client address exactly as Fastify's `request.ip` derives it from `trustProxy`. */
function clientAddress(trustProxy: RateLimitOptions['trustProxy']): (raw: RawRequest) => string | undefined {
  if (trustProxy === undefined || trustProxy === false) return (raw) => raw.socket.remoteAddress;
  const trust =
    trustProxy === true
      ? () => true
      : typeof trustProxy === 'number'
        ? () => false
        : proxyAddr.compile(trustProxy.split(',').map((value) => value.trim()));
  return (raw) => proxyAddr(raw as IncomingMessage, trust);
}

/** Sums refusals up: at most one info line per `REPORT_EVERY_MS`, with the counts per budget since. */
function refusalReport(logger: Logger): (budget: Budget) => void {
  let since = Date.now();
  let counts: Partial<Record<Budget, number>> = {};
  return (budget) => {
    counts[budget] = (counts[budget] ?? 0) + 1;
    const now = Date.now();
    if (now - since < REPORT_EVERY_MS) return;
    logger.info({ refused: counts, seconds: Math.round((now - since) / 1000) }, 'rate limiter refusals');
    since = now;
    counts = {};
  };
}
