import { DomainError, type ErrorCategory } from '../errors/index.js';

export type PaymentsErrorCode =
  | 'ORDER_NOT_FOUND'
  | 'ORDER_CONFLICT'
  | 'PAYMENT_NOT_FOUND'
  | 'PAYMENT_CONFLICT'
  | 'CURRENCY_MISMATCH'
  | 'INVALID_SPLIT';

const CATEGORY: Record<PaymentsErrorCode, ErrorCategory> = {
  ORDER_NOT_FOUND: 'NOT_FOUND',
  ORDER_CONFLICT: 'CONFLICT',
  PAYMENT_NOT_FOUND: 'NOT_FOUND',
  PAYMENT_CONFLICT: 'CONFLICT',
  CURRENCY_MISMATCH: 'INVALID_INPUT',
  INVALID_SPLIT: 'INVALID_INPUT',
};

export class PaymentsError extends DomainError<PaymentsErrorCode> {
  override name = 'PaymentsError';
  constructor(
    code: PaymentsErrorCode,
    message: string,
    details?: Readonly<Record<string, string | number | boolean | null>>,
  ) {
    super(code, CATEGORY[code], message, details);
  }
}
