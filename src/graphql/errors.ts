import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { DomainError, type ErrorCategory } from '../errors/index.js';

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

/** True when the error is a bug (not a domain error, not a client mistake Apollo detected). */
export function isUnexpected(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) return false;
  if (original instanceof GraphQLError) {
    const code = original.extensions['code'];
    if (code === 'QUERY_LIMIT' || (typeof code === 'string' && APOLLO_CLIENT_CODES.has(code))) return false;
    if (original.originalError === undefined || original.originalError === null) return false;
  }
  return true;
}

/**
 * The one error formatter. Domain errors keep their code, message and safe details; client mistakes
 * that Apollo detected keep theirs; anything else is a bug, masked here (and logged with the request id
 * by the request plugin in src/http/graphql-plugin.ts).
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
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
