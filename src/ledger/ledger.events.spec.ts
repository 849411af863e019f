import { describe, expect, it } from 'vitest';
import { money, type Money } from '../money/index.js';
import { LedgerError } from './ledger.errors.js';
import {
  appealCostMove,
  couponCompensation,
  paymentCaptured,
  reconciliationAdjustment,
  refundApproved,
  refundReleased,
  refundSucceeded,
} from './ledger.events.js';
import type { EntryInput } from './ledger.model.js';
import { validateEntry } from './ledger.rules.js';

const cny = (minor: bigint): Money => money(minor, 'CNY');
const legs = (entry: EntryInput): string[] =>
  entry.postings.map((p) => `${p.direction} ${p.account} ${p.amount.amountMinor}`);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof LedgerError) return error.code;
    throw error;
  }
}

const merchant = { kind: 'MERCHANT', id: 'm_1' } as const;
const platform = { kind: 'PLATFORM' } as const;

/** Every builder, with the legs it must produce (ledger.rules.spec.ts covers the payment split). */
const builders: [string, EntryInput, string[]][] = [
  [
    'refund approved (one liable party)',
    refundApproved({ refundId: 'rf_1', provider: 'wechatpay', amount: cny(1_230n), liable: merchant }),
    ['DEBIT merchant:m_1:payable 1230', 'CREDIT refunds:wechatpay:in_flight 1230'],
  ],
  [
    'refund succeeded',
    refundSucceeded({ refundId: 'rf_1', provider: 'alipay', amount: cny(500n) }),
    ['DEBIT refunds:alipay:in_flight 500', 'CREDIT provider:alipay:clearing 500'],
  ],
  [
    'refund released to the platform',
    refundReleased({ refundId: 'rf_1', provider: 'alipay', amount: cny(500n), liable: platform }),
    ['DEBIT refunds:alipay:in_flight 500', 'CREDIT platform:compensation 500'],
  ],
  [
    'coupon compensation',
    couponCompensation({ caseId: 'cs_1', customerId: 'c_1', amount: cny(800n), payer: platform }),
    ['DEBIT platform:compensation 800', 'CREDIT customer:c_1:coupons 800'],
  ],
  [
    'appeal moves a cost from the merchant to the platform',
    appealCostMove({ appealId: 'ap_1', amount: cny(300n), from: merchant, to: platform }),
    ['DEBIT platform:compensation 300', 'CREDIT merchant:m_1:payable 300'],
  ],
  [
    'reconciliation adjustment (suspense on the debit side)',
    reconciliationAdjustment({
      itemId: 'ri_1',
      provider: 'wechatpay',
      amount: cny(1n),
      suspenseSide: 'DEBIT',
      counterAccount: 'provider:wechatpay:clearing',
      note: 'bank fee rounding',
      discrepancy: 'AMOUNT_MISMATCH',
    }),
    ['DEBIT recon:wechatpay:suspense 1', 'CREDIT provider:wechatpay:clearing 1'],
  ],
  [
    'payment captured without a split',
    paymentCaptured({ paymentId: 'pay_1', provider: 'wechatpay', merchantId: 'm_1', amount: cny(3_000n) }),
    ['DEBIT provider:wechatpay:clearing 3000', 'CREDIT merchant:m_1:payable 3000'],
  ],
];

describe('ledger event builders', () => {
  it.each(builders)('%s: its legs, balanced and valid', (_name, entry, expected) => {
    expect(legs(entry)).toEqual(expected);
    expect(() => validateEntry(entry)).not.toThrow();
  });

  it('key each entry by kind and business reference, so one event posts once', () => {
    expect(builders.map(([, e]) => `${e.kind}:${e.reference.type}`)).toEqual([
      'REFUND_APPROVED:refund',
      'REFUND_SUCCEEDED:refund',
      'REFUND_RELEASED:refund',
      'COUPON_COMPENSATION:case',
      'APPEAL_COST_MOVE:appeal',
      'RECONCILIATION_ADJUSTMENT:recon_item',
      'PAYMENT_CAPTURED:payment',
    ]);
  });

  it('refuse liable shares that do not sum to the refund amount', () => {
    const liable = [
      { party: merchant, amount: cny(60n) },
      { party: platform, amount: cny(30n) },
    ];
    expect(
      codeOf(() => refundApproved({ refundId: 'rf', provider: 'alipay', amount: cny(100n), liable })),
    ).toBe('UNBALANCED_ENTRY');
  });

  it('leave out zero shares', () => {
    const liable = [
      { party: merchant, amount: cny(100n) },
      { party: platform, amount: cny(0n) },
    ];
    const entry = refundReleased({ refundId: 'rf', provider: 'alipay', amount: cny(100n), liable });
    expect(legs(entry)).toEqual(['DEBIT refunds:alipay:in_flight 100', 'CREDIT merchant:m_1:payable 100']);
  });

  it('need a note on a reconciliation adjustment, and keep the discrepancy in the memo', () => {
    const base = {
      itemId: 'ri_2',
      provider: 'alipay',
      amount: cny(5n),
      suspenseSide: 'CREDIT',
      counterAccount: 'provider:alipay:clearing',
      discrepancy: 'MISSING_IN_LEDGER',
    } as const;
    expect(codeOf(() => reconciliationAdjustment({ ...base, note: '  ' }))).toBe('INVALID_ENTRY');
    const entry = reconciliationAdjustment({ ...base, note: 'late notify' });
    expect(entry.memo).toBe('MISSING_IN_LEDGER: late notify');
    expect(legs(entry)).toEqual(['CREDIT recon:alipay:suspense 5', 'DEBIT provider:alipay:clearing 5']);
  });
});
