import { DomainError, type ErrorCategory } from '../errors/index.js';

export type CallbacksErrorCode = 'EXCEPTION_NOT_FOUND' | 'EXCEPTION_ALREADY_RESOLVED' | 'INVALID_RESOLUTION';

const CATEGORY: Record<CallbacksErrorCode, ErrorCategory> = {
  EXCEPTION_NOT_FOUND: 'NOT_FOUND',
  EXCEPTION_ALREADY_RESOLVED: 'CONFLICT',
  INVALID_RESOLUTION: 'INVALID_INPUT',
};

export class CallbacksError extends DomainError<CallbacksErrorCode> {
  override name = 'CallbacksError';
  constructor(
    code: CallbacksErrorCode,
    message: string,
    details?: Readonly<Record<string, string | number | boolean | null>>,
  ) {
    super(code, CATEGORY[code], message, details);
  }
}
