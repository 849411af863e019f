import { DomainError, type ErrorCategory } from '../errors/index.js';

export type OpsExceptionsErrorCode =
  'EXCEPTION_NOT_FOUND' | 'EXCEPTION_ALREADY_RESOLVED' | 'INVALID_RESOLUTION';

const CATEGORY: Record<OpsExceptionsErrorCode, ErrorCategory> = {
  EXCEPTION_NOT_FOUND: 'NOT_FOUND',
  EXCEPTION_ALREADY_RESOLVED: 'CONFLICT',
  INVALID_RESOLUTION: 'INVALID_INPUT',
};

export class OpsExceptionsError extends DomainError<OpsExceptionsErrorCode> {
  override name = 'OpsExceptionsError';
  constructor(
    code: OpsExceptionsErrorCode,
    message: string,
    details?: Readonly<Record<string, string | number | boolean | null>>,
  ) {
    super(code, CATEGORY[code], message, details);
  }
}
