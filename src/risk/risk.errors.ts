import { DomainError, type ErrorCategory } from '../errors/index.js';

export type RiskErrorCode =
  | 'RISK_RULE_NOT_FOUND'
  | 'RISK_INVALID_PARAMS'
  | 'RISK_FLAG_NOT_FOUND'
  | 'RISK_FLAG_NOT_ACTIVE'
  | 'RISK_REASON_REQUIRED'
  | 'RISK_INVALID_PERIOD';

const CATEGORY: Record<RiskErrorCode, ErrorCategory> = {
  RISK_RULE_NOT_FOUND: 'NOT_FOUND',
  RISK_INVALID_PARAMS: 'INVALID_INPUT',
  RISK_FLAG_NOT_FOUND: 'NOT_FOUND',
  RISK_FLAG_NOT_ACTIVE: 'CONFLICT',
  RISK_REASON_REQUIRED: 'INVALID_INPUT',
  RISK_INVALID_PERIOD: 'INVALID_INPUT',
};

export class RiskError extends DomainError<RiskErrorCode> {
  override name = 'RiskError';
  constructor(
    code: RiskErrorCode,
    message: string,
    details?: Readonly<Record<string, string | number | boolean | null>>,
  ) {
    super(code, CATEGORY[code], message, details);
  }
}
