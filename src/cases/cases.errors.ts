import { DomainError, type ErrorCategory } from '../errors/index.js';

export type CaseErrorCode =
  | 'CASE_NOT_FOUND'
  | 'ORDER_NOT_FOUND'
  | 'ORDER_NOT_PAID'
  | 'ORDER_FULLY_REFUNDED'
  | 'CLAIM_WINDOW_EXPIRED'
  | 'AMOUNT_EXCEEDS_REFUNDABLE'
  | 'CASE_ALREADY_OPEN'
  | 'INVALID_CASE_INPUT'
  | 'INVALID_EVIDENCE'
  | 'CURRENCY_MISMATCH'
  | 'INVALID_CASE_STATE'
  | 'DECISION_CONFLICT'
  | 'APPEAL_NOT_ALLOWED'
  | 'APPEAL_WINDOW_EXPIRED'
  | 'APPEAL_EXISTS'
  | 'SAME_REVIEWER'
  | 'INVALID_RULE_PARAMS'
  | 'COUPON_NOT_FOUND'
  | 'COUPON_ALREADY_REDEEMED';

const CATEGORY: Record<CaseErrorCode, ErrorCategory> = {
  CASE_NOT_FOUND: 'NOT_FOUND',
  ORDER_NOT_FOUND: 'NOT_FOUND',
  ORDER_NOT_PAID: 'CONFLICT',
  ORDER_FULLY_REFUNDED: 'CONFLICT',
  CLAIM_WINDOW_EXPIRED: 'CONFLICT',
  AMOUNT_EXCEEDS_REFUNDABLE: 'CONFLICT',
  CASE_ALREADY_OPEN: 'CONFLICT',
  INVALID_CASE_INPUT: 'INVALID_INPUT',
  INVALID_EVIDENCE: 'INVALID_INPUT',
  CURRENCY_MISMATCH: 'INVALID_INPUT',
  INVALID_CASE_STATE: 'CONFLICT',
  DECISION_CONFLICT: 'CONFLICT',
  APPEAL_NOT_ALLOWED: 'FORBIDDEN',
  APPEAL_WINDOW_EXPIRED: 'CONFLICT',
  APPEAL_EXISTS: 'CONFLICT',
  SAME_REVIEWER: 'CONFLICT',
  INVALID_RULE_PARAMS: 'INVALID_INPUT',
  COUPON_NOT_FOUND: 'NOT_FOUND',
  COUPON_ALREADY_REDEEMED: 'CONFLICT',
};

/** Everything the cases module refuses, with a closed set of codes (GraphQL `extensions.code`). */
export class CaseError extends DomainError<CaseErrorCode> {
  override name = 'CaseError';
  constructor(
    code: CaseErrorCode,
    message: string,
    details?: Readonly<Record<string, string | number | boolean | null>>,
  ) {
    super(code, CATEGORY[code], message, details);
  }
}
