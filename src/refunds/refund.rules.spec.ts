import { describe, expect, it } from 'vitest';
import { money } from '../money/index.js';
import { RefundError } from './refund.errors.js';
import type { RequestRefundInput } from './refund.model.js';
import {
  asRefusal,
  DEFAULT_REFUND_RULES,
  liablePartyOf,
  REFUSALS,
  refusalOf,
  requestHash,
  validateRequest,
  type PaymentContext,
  type Refusal,
} from './refund.rules.js';

const valid: RequestRefundInput = {
  idempotencyKey: 'case-42-refund',
  orderId: 'o_1',
  amount: money(1_000n, 'CNY'),
  reason: 'soup spilled',
  liableParty: 'MERCHANT',
};

function refusal(fn: () => unknown): { code: string; field: unknown } | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (!(error instanceof RefundError)) throw error;
    return { code: error.code, field: error.details?.['field'] };
  }
}

describe('validateRequest: the first broken rule is reported, in this order', () => {
  const cases: [string, Partial<RequestRefundInput>, string | null][] = [
    ['a valid request', {}, null],
    ['a key of 7 characters', { idempotencyKey: 'k234567' }, 'idempotencyKey'],
    ['a key of 201 characters', { idempotencyKey: 'k'.repeat(201) }, 'idempotencyKey'],
    ['a key with a space', { idempotencyKey: 'case 42 refund' }, 'idempotencyKey'],
    ['a key with non-ASCII', { idempotencyKey: 'case-42-退款' }, 'idempotencyKey'],
    ['neither payment nor order', { orderId: null, paymentId: null }, 'paymentId'],
    ['a blank reason', { reason: '   ' }, 'reason'],
    ['a reason of 501 characters', { reason: 'r'.repeat(501) }, 'reason'],
    ['a zero amount', { amount: money(0n, 'CNY') }, 'amount'],
    ['a negative amount', { amount: money(-1n, 'CNY') }, 'amount'],
    [
      'a bad key and everything else wrong',
      { idempotencyKey: 'x', orderId: null, reason: '', amount: money(0n, 'CNY') },
      'idempotencyKey',
    ],
    [
      'no payment, a blank reason, a zero amount',
      { orderId: null, reason: '', amount: money(0n, 'CNY') },
      'paymentId',
    ],
    ['a blank reason and a zero amount', { reason: '', amount: money(0n, 'CNY') }, 'reason'],
  ];
  it.each(cases)('%s → %s', (_name, change, field) => {
    const found = refusal(() => validateRequest({ ...valid, ...change }));
    expect(found && { ...found }).toEqual(
      field === null ? undefined : { code: 'INVALID_REFUND_REQUEST', field },
    );
  });
});

describe('refusalOf: the error for the refusal payment_refund_reserve decided', () => {
  const payment: PaymentContext = {
    id: 'pay_1',
    order: 'o_1',
    merchantId: 'm_1',
    riderId: null,
    channel: 'WECHAT_PAY',
    currency: 'CNY',
  };
  const cases: [Refusal, Partial<PaymentContext>, string, Record<string, unknown> | undefined][] = [
    ['PAYMENT_NOT_FOUND', {}, 'payment pay_1 is unknown', undefined],
    ['CURRENCY_MISMATCH', { currency: 'USD' }, 'the payment is in USD', { field: 'amount' }],
    ['REFUND_WINDOW_EXPIRED', {}, 'WECHAT_PAY refunds are allowed within 365 days of payment', undefined],
    ['TOO_MANY_PARTIAL_REFUNDS', { channel: 'ALIPAY' }, 'ALIPAY allows at most 1000 refunds', undefined],
    [
      'REFUND_EXCEEDS_REMAINING',
      {},
      'the refund exceeds what remains refundable',
      { remaining: '5.00', currency: 'CNY' },
    ],
  ];
  it.each(cases)('%s', (code, change, message, details) => {
    const error = refusalOf(code, { ...payment, ...change }, DEFAULT_REFUND_RULES, 500n);
    expect(error).toBeInstanceOf(RefundError);
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
    expect(error.details).toEqual(details);
  });

  it('names every refusal the SQL function can answer, and nothing else', () => {
    expect(REFUSALS.map(asRefusal)).toEqual([...REFUSALS]);
    expect(() => asRefusal('RESERVED')).toThrow(/unknown refund batch outcome/);
  });
});

describe('liablePartyOf', () => {
  const context: PaymentContext = {
    id: 'pay_1',
    order: 'o_1',
    merchantId: 'm_1',
    riderId: null,
    channel: 'ALIPAY',
    currency: 'CNY',
  };
  it("names the payment's merchant or rider, or the platform", () => {
    expect(liablePartyOf('MERCHANT', context)).toEqual({ kind: 'MERCHANT', id: 'm_1' });
    expect(liablePartyOf('RIDER', { ...context, riderId: 'r_1' })).toEqual({ kind: 'RIDER', id: 'r_1' });
    expect(liablePartyOf('PLATFORM', context)).toEqual({ kind: 'PLATFORM' });
  });
  it('refuses a rider when the payment has none', () => {
    expect(refusal(() => liablePartyOf('RIDER', context))).toEqual({
      code: 'INVALID_REFUND_REQUEST',
      field: 'liableParty',
    });
  });
});

describe('requestHash', () => {
  it('is the same for the same request and differs when any parameter does', () => {
    const hash = requestHash(valid);
    expect(requestHash({ ...valid })).toBe(hash);
    for (const change of [
      { orderId: 'o_2' },
      { paymentId: 'pay_1' },
      { amount: money(1_001n, 'CNY') },
      { amount: money(1_000n, 'USD') },
      { reason: 'soup spilled!' },
      { liableParty: 'PLATFORM' as const },
      { caseId: 'cs_1' },
    ]) {
      expect(requestHash({ ...valid, ...change })).not.toBe(hash);
    }
  });
});
