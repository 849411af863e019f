import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenVerifier, Viewer } from '../auth/index.js';
import { DomainError } from '../errors/index.js';

/** What the bearer header proved: nothing (anonymous), a viewer, or a failure with its reason. */
export type Authentication =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'viewer'; readonly viewer: Viewer }
  | { readonly kind: 'failed'; readonly message: string };

declare module 'fastify' {
  interface FastifyRequest {
    authentication: Authentication;
  }
}

const ANONYMOUS: Authentication = { kind: 'anonymous' };

/**
 * Verifies the bearer token once per request, first thing, so the rate limiter can count by subject
 * (and failed authentication by address) before the body is even read. GraphQL refuses a failed
 * one with 401; other routes ignore it.
 */
export function authenticateRequests(app: FastifyInstance, tokens: TokenVerifier): void {
  // Fastify refuses object defaults (they would be shared); the hook below sets it on every request.
  app.decorateRequest('authentication', null as never);
  app.addHook('onRequest', async (request) => {
    request.authentication = await authenticate(request, tokens);
  });
}

async function authenticate(request: FastifyRequest, tokens: TokenVerifier): Promise<Authentication> {
  const header = request.headers.authorization;
  if (header === undefined || header === '') return ANONYMOUS;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  try {
    if (!match?.[1]) throw new Error('malformed');
    return { kind: 'viewer', viewer: await tokens.verify(match[1]) };
  } catch (error) {
    const message = error instanceof DomainError ? error.message : 'A valid bearer token is required.';
    return { kind: 'failed', message };
  }
}
