import { DomainError, type ErrorCategory } from '../errors/index.js';

export type RefundErrorCode =
  | 'PAYMENT_NOT_FOUND'
  | 'PAYMENT_AMBIGUOUS'
  | 'REFUND_NOT_FOUND'
  | 'REFUND_EXCEEDS_REMAINING'
  | 'TOO_MANY_PARTIAL_REFUNDS'
  | 'REFUND_WINDOW_EXPIRED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'CURRENCY_MISMATCH'
  | 'INVALID_REFUND_REQUEST'
  | 'INVALID_TRANSITION'
  | 'RISK_REVIEW_REQUIRED';

const CATEGORY: Record<RefundErrorCode, ErrorCategory> = {
  PAYMENT_NOT_FOUND: 'NOT_FOUND',
  PAYMENT_AMBIGUOUS: 'INVALID_INPUT',
  REFUND_NOT_FOUND: 'NOT_FOUND',
  REFUND_EXCEEDS_REMAINING: 'CONFLICT',
  TOO_MANY_PARTIAL_REFUNDS: 'CONFLICT',
  REFUND_WINDOW_EXPIRED: 'CONFLICT',
  IDEMPOTENCY_KEY_REUSED: 'CONFLICT',
  CURRENCY_MISMATCH: 'INVALID_INPUT',
  INVALID_REFUND_REQUEST: 'INVALID_INPUT',
  INVALID_TRANSITION: 'CONFLICT',
  RISK_REVIEW_REQUIRED: 'CONFLICT',
};

export class RefundError extends DomainError<RefundErrorCode> {
  override name = 'RefundError';
  constructor(
    code: RefundErrorCode,
    message: string,
    details?: Readonly<Record<string, string | number | boolean | null>>,
  ) {
    super(code, CATEGORY[code], message, details);
  }
}
