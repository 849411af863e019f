import { DomainError } from '../errors/index.js';

export type MoneyErrorCode =
  | 'INVALID_AMOUNT'
  | 'TOO_MANY_DECIMALS'
  | 'AMOUNT_NOT_POSITIVE'
  | 'AMOUNT_NEGATIVE'
  | 'AMOUNT_OUT_OF_RANGE'
  | 'UNKNOWN_CURRENCY'
  | 'CURRENCY_MISMATCH'
  | 'INVALID_ALLOCATION';

/** A money value that cannot exist: bad decimal string, unknown currency, out of int8 range, … */
export class MoneyError extends DomainError<MoneyErrorCode> {
  override name = 'MoneyError';
  constructor(
    code: MoneyErrorCode,
    message: string,
    details?: Readonly<Record<string, string | number | boolean | null>>,
  ) {
    super(code, 'INVALID_INPUT', message, details);
  }
}
