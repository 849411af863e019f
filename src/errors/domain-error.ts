/**
 * Base of every typed, expected error. Each module subclasses it with a closed union of string codes
 * (`LedgerErrorCode`, `RefundErrorCode`, …); `src/graphql/errors.ts` maps the category to the
 * client-facing shape in one exhaustive switch. Anything that is not a DomainError is a bug: it is
 * logged with the request id and masked.
 */
export type ErrorCategory =
  'INVALID_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'UNAVAILABLE';

export class DomainError<C extends string = string> extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: C,
    readonly category: ErrorCategory,
    message: string,
    /** Safe to show to the caller: no secrets, no personal data. */
    readonly details?: Readonly<Record<string, string | number | boolean | null>>,
  ) {
    super(message);
  }
}

/**
 * A programmer error: a state the code rules out was reached (a caller broke a contract). Not a
 * DomainError, so a client sees it masked, as any bug, and it is logged with the request id.
 */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

/** Impossible states are programmer errors: assert them instead of returning them. */
export function invariant(condition: unknown, why: string): asserts condition {
  if (!condition) throw new InvariantError(`Invariant violated: ${why}`);
}

export type CommonErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT';

export class AccessError extends DomainError<'UNAUTHENTICATED' | 'FORBIDDEN'> {
  override name = 'AccessError';
  static unauthenticated(): AccessError {
    return new AccessError('UNAUTHENTICATED', 'UNAUTHENTICATED', 'A valid bearer token is required.');
  }
  static forbidden(what = 'this resource'): AccessError {
    return new AccessError('FORBIDDEN', 'FORBIDDEN', `You are not allowed to access ${what}.`);
  }
}

export class InputError extends DomainError<'BAD_USER_INPUT'> {
  override name = 'InputError';
  constructor(message: string, field?: string) {
    super('BAD_USER_INPUT', 'INVALID_INPUT', message, field === undefined ? undefined : { field });
  }
}
