import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RateLimitConfig } from '../config/index.js';

/** The budget a request is counted against, and its key. */
function budgetOf(request: FastifyRequest): { key: string; budget: keyof RateLimitConfig } {
  if (request.url.startsWith('/notify/')) return { key: `notify:${request.ip}`, budget: 'notify' };
  const auth = request.authentication;
  if (auth.kind === 'viewer') return { key: `sub:${auth.viewer.subject}`, budget: 'authenticated' };
  if (auth.kind === 'failed') return { key: `authfail:${request.ip}`, budget: 'authFailures' };
  return { key: `ip:${request.ip}`, budget: 'anonymous' };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const UNCOUNTED = new Set(['/healthz', '/readyz']);

/** Refused by the rate limiter: 429, `Retry-After`, and the `RATE_LIMITED` code. */
export class RateLimitedError extends Error {
  readonly statusCode = 429;
  readonly code = 'RATE_LIMITED';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many requests: retry after ${retryAfterSeconds} s.`);
  }
}

/**
 * Fixed-window counters in this process's memory (@fastify/rate-limit's LRU store): per signed-in
 * subject, per client address for anonymous callers and, much smaller, for failed authentication,
 * and a separate budget for provider notify callbacks. Memory rather than PostgreSQL: a counter
 * costs no round trip on the hot path, and an attacker's traffic never reaches the database; with N
 * api replicas behind a balancer the effective budget is N times the setting. Registered after
 * `authenticateRequests`, whose onRequest hook runs first.
 */
export async function registerRateLimit(app: FastifyInstance, config: RateLimitConfig): Promise<void> {
  if (!config.enabled) return;
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: config.windowMs,
    keyGenerator: (request) => budgetOf(request).key,
    max: (request) => config[budgetOf(request).budget] as number,
    allowList: (request) => UNCOUNTED.has(request.url) || (config.exemptLoopback && LOOPBACK.has(request.ip)),
    errorResponseBuilder: (_request, context) => new RateLimitedError(Math.ceil(context.ttl / 1000)),
  });
}
