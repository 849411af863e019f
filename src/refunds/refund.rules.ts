import { createHash } from 'node:crypto';
import type { SqlRow } from '../db/index.js';
import { refundReleased, refundSucceeded, type EntryInput, type LiableParty } from '../ledger/index.js';
import { formatMoney, money } from '../money/index.js';
import { providerName, type Payment } from '../payments/index.js';
import type { Channel } from '../providers/index.js';
import { RefundError, type RefundErrorCode } from './refund.errors.js';
import { toRefundView, type RefundRow } from './refund.mapping.js';
import type { RefundView, RequestRefundInput, RequestRefundResult } from './refund.model.js';

/** The refund command's rules: pure functions of their arguments, no I/O. */

export interface RefundRules {
  /** WeChat: at most 50 partial refunds per payment. */
  readonly maxRefundsPerPayment: Readonly<Record<Channel, number>>;
  /** WeChat: one year; Alipay: by contract (3 or 12 months). */
  readonly refundWindowDays: Readonly<Record<Channel, number>>;
}

export const DEFAULT_REFUND_RULES: RefundRules = {
  maxRefundsPerPayment: { WECHAT_PAY: 50, ALIPAY: 1_000 },
  refundWindowDays: { WECHAT_PAY: 365, ALIPAY: 365 },
};

/** The immutable facts of a payment that a refund request needs before it writes. */
export type PaymentContext = SqlRow<
  Payment,
  'id' | 'order' | 'merchantId' | 'riderId' | 'channel' | 'currency'
>;

/** Checks the shape of a request before anything is read; the first broken rule is reported. */
export function validateRequest(input: RequestRefundInput): void {
  const key = input.idempotencyKey;
  if (key.length < 8 || key.length > 200 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new RefundError(
      'INVALID_REFUND_REQUEST',
      'idempotencyKey must be 8–200 printable ASCII characters',
      {
        field: 'idempotencyKey',
      },
    );
  }
  if (!input.paymentId && !input.orderId) {
    throw new RefundError('INVALID_REFUND_REQUEST', 'give paymentId or orderId', { field: 'paymentId' });
  }
  if (input.reason.trim().length === 0 || input.reason.length > 500) {
    throw new RefundError('INVALID_REFUND_REQUEST', 'reason must be 1–500 characters', { field: 'reason' });
  }
  if (input.amount.amountMinor <= 0n) {
    throw new RefundError('INVALID_REFUND_REQUEST', 'amount must be positive', { field: 'amount' });
  }
}

/** Canonical hash of what the command asks for, to tell a replay from a different request under the same key. */
export function requestHash(input: RequestRefundInput): string {
  const canonical = JSON.stringify([
    input.paymentId ?? null,
    input.orderId ?? null,
    input.amount.amountMinor.toString(),
    input.amount.currency,
    input.reason,
    input.liableParty,
    input.caseId ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The answer to a request whose key already made `existing`: the same refund, or a reuse error. */
export function replay(existing: RefundRow, hash: string): RequestRefundResult {
  if (existing.requestHash !== hash) {
    throw new RefundError(
      'IDEMPOTENCY_KEY_REUSED',
      'this idempotency key was used for a different refund request',
      {
        refundId: existing.id,
      },
    );
  }
  return { refund: toRefundView(existing), replayed: true };
}

export function liablePartyOf(kind: RequestRefundInput['liableParty'], payment: PaymentContext): LiableParty {
  switch (kind) {
    case 'MERCHANT':
      return { kind: 'MERCHANT', id: payment.merchantId };
    case 'RIDER':
      if (!payment.riderId) {
        throw new RefundError('INVALID_REFUND_REQUEST', 'the payment has no rider to hold liable', {
          field: 'liableParty',
        });
      }
      return { kind: 'RIDER', id: payment.riderId };
    case 'PLATFORM':
      return { kind: 'PLATFORM' };
    default: {
      const unreachable: never = kind;
      throw new RefundError('INVALID_REFUND_REQUEST', `unknown liable party ${String(unreachable)}`);
    }
  }
}

/**
 * Why `payment_refund_reserve` reserves nothing, in the order it checks: the rules themselves live in
 * that SQL function (the one place they are decided); this list only names its answers.
 */
export const REFUSALS = [
  'PAYMENT_NOT_FOUND',
  'CURRENCY_MISMATCH',
  'REFUND_WINDOW_EXPIRED',
  'TOO_MANY_PARTIAL_REFUNDS',
  'REFUND_EXCEEDS_REMAINING',
] as const satisfies readonly RefundErrorCode[];
export type Refusal = (typeof REFUSALS)[number];

export function asRefusal(outcome: string): Refusal {
  const refusal = REFUSALS.find((r) => r === outcome);
  if (refusal === undefined) throw new Error(`unknown refund batch outcome ${outcome}`);
  return refusal;
}

/** The error a caller gets for a refusal: the code decided in SQL, with the limits that apply. */
export function refusalOf(
  refusal: Refusal,
  payment: PaymentContext,
  rules: RefundRules,
  remainingMinor: bigint | null,
): RefundError {
  const channel = payment.channel;
  switch (refusal) {
    case 'PAYMENT_NOT_FOUND':
      return new RefundError(refusal, `payment ${payment.id} is unknown`);
    case 'CURRENCY_MISMATCH':
      return new RefundError(refusal, `the payment is in ${payment.currency}`, { field: 'amount' });
    case 'REFUND_WINDOW_EXPIRED':
      return new RefundError(
        refusal,
        `${channel} refunds are allowed within ${rules.refundWindowDays[channel]} days of payment`,
      );
    case 'TOO_MANY_PARTIAL_REFUNDS':
      return new RefundError(
        refusal,
        `${channel} allows at most ${rules.maxRefundsPerPayment[channel]} refunds per payment`,
      );
    case 'REFUND_EXCEEDS_REMAINING':
      return new RefundError(refusal, 'the refund exceeds what remains refundable on the payment', {
        remaining: formatMoney(money(remainingMinor ?? 0n, payment.currency)),
        currency: payment.currency,
      });
    default: {
      const unreachable: never = refusal;
      throw new Error(`unknown refusal ${String(unreachable)}`);
    }
  }
}

/**
 * The ledger entry of a refund's money leaving (SETTLE: paid out by the provider) or coming back
 * (RELEASE: the reservation returns to whoever was liable). Both follow from the refund's immutable
 * facts, so they can be prepared before its row is locked.
 */
export function moneyEntry(refund: RefundView, effect: 'SETTLE' | 'RELEASE'): EntryInput {
  const amount = refund.amount;
  const provider = providerName(refund.channel);
  return effect === 'SETTLE'
    ? refundSucceeded({ refundId: refund.id, provider, amount })
    : refundReleased({ refundId: refund.id, provider, amount, liable: refund.liable });
}
