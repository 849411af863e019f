import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { isDatabaseUnavailable } from '../db/index.js';
import { DomainError, type ErrorCategory } from '../errors/index.js';
import { QueryLimitError, TOKEN_LIMIT_MESSAGE } from './limits.js';

/** What a client gets while the database is unreachable: nothing was decided, the same request may be retried. */
export const SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE';
/** Seconds a client should wait before retrying a SERVICE_UNAVAILABLE answer (HTTP `Retry-After`). */
export const RETRY_AFTER_SECONDS = 1;

/** Apollo's own codes for requests that never reached a resolver. */
const APOLLO_CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

export function httpStatusFor(category: ErrorCategory): number {
  switch (category) {
    case 'INVALID_INPUT':
      return 400;
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'CONFLICT':
      return 409;
    case 'UNAVAILABLE':
      return 503;
    default: {
      const unreachable: never = category;
      return unreachable;
    }
  }
}

/** The cause chain of an error (GraphQL wrappers, ORM wrappers, `cause`), outermost first, bounded. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== null && current !== undefined && chain.length < 8 && !chain.includes(current)) {
    chain.push(current);
    const e = current as { originalError?: unknown; previous?: unknown; cause?: unknown };
    current = e.originalError ?? e.previous ?? e.cause;
  }
  return chain;
}

/** A limit refused the document (our rules, or the parser's token limit). */
function isQueryLimit(error: unknown): boolean {
  return causes(error).some(
    (e) =>
      e instanceof QueryLimitError ||
      (e instanceof GraphQLError && e.extensions['code'] === 'QUERY_LIMIT') ||
      (e instanceof Error && TOKEN_LIMIT_MESSAGE.test(e.message)),
  );
}

/**
 * PostgreSQL class 22 (data exception: invalid text, out of range, bad encoding, …): a value the
 * edge validation let through but the database refused. The caller's mistake, never ours.
 */
export function isDataException(error: unknown): boolean {
  return causes(error).some((e) => {
    const code = (e as { code?: unknown; sqlState?: unknown }).sqlState ?? (e as { code?: unknown }).code;
    return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
  });
}

/** The database could not be reached while the request ran: a retry may succeed (see `isDatabaseUnavailable`). */
export function isUnavailable(error: unknown): boolean {
  return isDatabaseUnavailable(unwrapResolverError(error));
}

/** True when the error is a bug (not a domain error, not a client mistake Apollo detected, not an outage). */
export function isUnexpected(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError || isUnavailable(error)) return false;
  if (isQueryLimit(error) || isDataException(error)) return false;
  if (original instanceof GraphQLError) {
    const code = original.extensions['code'];
    if (code === 'QUERY_LIMIT' || (typeof code === 'string' && APOLLO_CLIENT_CODES.has(code))) return false;
    if (original.originalError === undefined || original.originalError === null) return false;
  }
  return true;
}

/** graphql-js' hints that name schema members ("Did you mean …?"). */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/**
 * The one error formatter. Domain errors keep their code, message and safe details; client mistakes
 * that Apollo detected keep theirs; an unreachable database is SERVICE_UNAVAILABLE, retryable; anything
 * else is a bug, masked here (and logged with the request id by the request plugin in
 * src/http/graphql-plugin.ts). Without introspection, messages do not suggest schema names either.
 */
export function formatGraphQLError(
  showSchema: boolean,
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const shaped = shapeError(formatted, error);
    return showSchema ? shaped : { ...shaped, message: shaped.message.replace(SUGGESTION, '') };
  };
}

function shapeError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const path = formatted.path ? { path: formatted.path } : {};
  if (original instanceof DomainError) {
    return {
      message: original.message,
      ...path,
      extensions: {
        code: original.code,
        category: original.category,
        ...(original.details ? { details: original.details } : {}),
      },
    };
  }
  if (isUnavailable(error)) {
    return {
      message: 'The service is briefly unavailable. Retry the request (with the same idempotency key).',
      ...path,
      extensions: { code: SERVICE_UNAVAILABLE, category: 'UNAVAILABLE', retryable: true },
    };
  }
  if (isQueryLimit(error)) {
    return { message: formatted.message, ...path, extensions: { code: 'QUERY_LIMIT' } };
  }
  if (isDataException(error)) {
    return {
      message: 'A value in this request is not valid.',
      ...path,
      extensions: { code: 'BAD_USER_INPUT' },
    };
  }
  if (!isUnexpected(error)) {
    const code = formatted.extensions?.['code'] ?? 'BAD_REQUEST';
    return { message: formatted.message, ...path, extensions: { code } };
  }
  return {
    message: 'Internal error. Quote the request id when reporting it.',
    ...path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
