import { pgErrorOf } from '../db/index.js';
import { DomainError, type ErrorCategory } from '../errors/index.js';

export type PaymentsErrorCode =
  | 'ORDER_NOT_FOUND'
  | 'ORDER_CONFLICT'
  | 'PAYMENT_NOT_FOUND'
  | 'PAYMENT_CONFLICT'
  | 'CURRENCY_MISMATCH'
  | 'CHANNEL_MISMATCH'
  | 'OUT_TRADE_NO_MISMATCH'
  | 'PAYMENT_EXCEEDS_ORDER'
  | 'INVALID_SPLIT';

const CATEGORY: Record<PaymentsErrorCode, ErrorCategory> = {
  ORDER_NOT_FOUND: 'NOT_FOUND',
  ORDER_CONFLICT: 'CONFLICT',
  PAYMENT_NOT_FOUND: 'NOT_FOUND',
  PAYMENT_CONFLICT: 'CONFLICT',
  CURRENCY_MISMATCH: 'INVALID_INPUT',
  CHANNEL_MISMATCH: 'INVALID_INPUT',
  OUT_TRADE_NO_MISMATCH: 'INVALID_INPUT',
  PAYMENT_EXCEEDS_ORDER: 'INVALID_INPUT',
  INVALID_SPLIT: 'INVALID_INPUT',
};

/** The refusals of `payment_matches_order` (src/payments/sql), the one place the rule lives. */
const REFUSALS: Readonly<Record<string, [PaymentsErrorCode, string]>> = {
  payment_currency_matches_order: ['CURRENCY_MISMATCH', 'the payment currency differs from the order'],
  payment_channel_matches_order: ['CHANNEL_MISMATCH', 'the order declared another payment channel'],
  payment_out_trade_no_matches_order: ['OUT_TRADE_NO_MISMATCH', 'the order declared another out_trade_no'],
  payment_within_order_total: ['PAYMENT_EXCEEDS_ORDER', "the order's payments would exceed its total"],
};

/** A database refusal of a payment as a typed error; anything else unchanged. */
export function translatePaymentRefusal(error: unknown): unknown {
  const pg = pgErrorOf(error);
  const refusal = pg?.code === '23514' && pg.constraint ? REFUSALS[pg.constraint] : undefined;
  return refusal ? new PaymentsError(refusal[0], refusal[1]) : error;
}

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
