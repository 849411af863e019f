import { DomainError, type ErrorCategory } from '../errors/index.js';

export type LedgerErrorCode =
  | 'UNKNOWN_ACCOUNT_CODE'
  | 'ACCOUNT_NOT_FOUND'
  | 'ENTRY_NOT_FOUND'
  | 'INVALID_ENTRY'
  | 'UNBALANCED_ENTRY'
  | 'CURRENCY_MISMATCH'
  | 'INSUFFICIENT_FUNDS'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'ENTRY_ALREADY_REVERSED'
  | 'CANNOT_REVERSE_REVERSAL'
  | 'CONCURRENCY_EXHAUSTED';

const CATEGORY: Record<LedgerErrorCode, ErrorCategory> = {
  UNKNOWN_ACCOUNT_CODE: 'INVALID_INPUT',
  ACCOUNT_NOT_FOUND: 'NOT_FOUND',
  ENTRY_NOT_FOUND: 'NOT_FOUND',
  INVALID_ENTRY: 'INVALID_INPUT',
  UNBALANCED_ENTRY: 'INVALID_INPUT',
  CURRENCY_MISMATCH: 'INVALID_INPUT',
  INSUFFICIENT_FUNDS: 'CONFLICT',
  IDEMPOTENCY_KEY_REUSED: 'CONFLICT',
  ENTRY_ALREADY_REVERSED: 'CONFLICT',
  CANNOT_REVERSE_REVERSAL: 'CONFLICT',
  CONCURRENCY_EXHAUSTED: 'UNAVAILABLE',
};

export class LedgerError extends DomainError<LedgerErrorCode> {
  override name = 'LedgerError';
  constructor(
    code: LedgerErrorCode,
    message: string,
    details?: Readonly<Record<string, string | number | boolean | null>>,
  ) {
    super(code, CATEGORY[code], message, details);
  }
}
