import { DomainError, type ErrorCategory } from '../src/errors/index.js';

export type ReconErrorCode =
  | 'INVALID_BILL_DATE'
  | 'INVALID_FILTER'
  | 'PROVIDER_NOT_CONFIGURED'
  | 'STATEMENT_NOT_READY'
  | 'STATEMENT_CORRUPT'
  | 'PROVIDER_UNAVAILABLE'
  | 'RUN_NOT_FOUND'
  | 'DISCREPANCY_NOT_FOUND'
  | 'ALREADY_RESOLVED'
  | 'NOTE_REQUIRED'
  | 'INVALID_RESOLUTION'
  | 'LINK_TARGET_NOT_FOUND';

const CATEGORY: Record<ReconErrorCode, ErrorCategory> = {
  INVALID_BILL_DATE: 'INVALID_INPUT',
  INVALID_FILTER: 'INVALID_INPUT',
  PROVIDER_NOT_CONFIGURED: 'UNAVAILABLE',
  STATEMENT_NOT_READY: 'UNAVAILABLE',
  STATEMENT_CORRUPT: 'CONFLICT',
  PROVIDER_UNAVAILABLE: 'UNAVAILABLE',
  RUN_NOT_FOUND: 'NOT_FOUND',
  DISCREPANCY_NOT_FOUND: 'NOT_FOUND',
  ALREADY_RESOLVED: 'CONFLICT',
  NOTE_REQUIRED: 'INVALID_INPUT',
  INVALID_RESOLUTION: 'INVALID_INPUT',
  LINK_TARGET_NOT_FOUND: 'NOT_FOUND',
};

export class ReconError extends DomainError<ReconErrorCode> {
  override name = 'ReconError';
  constructor(
    code: ReconErrorCode,
    message: string,
    details?: Readonly<Record<string, string | number | boolean | null>>,
  ) {
    super(code, CATEGORY[code], message, details);
  }
}
