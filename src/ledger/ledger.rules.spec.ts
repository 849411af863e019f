import { describe, expect, it } from 'vitest';
import { money } from '../money/index.js';
import { accountCodes, accountSpec, normalSide, shardOf } from './chart-of-accounts.js';
import { LedgerError } from './ledger.errors.js';
import { paymentCaptured, refundApproved, refundReleased } from './ledger.events.js';
import type { EntryInput, EntryView } from './ledger.model.js';
import { bodyHash, idempotencyKeyOf, reversalOf, validateEntry } from './ledger.rules.js';

const cny = (minor: number) => money(BigInt(minor), 'CNY');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof LedgerError) return error.code;
    throw error;
  }
}

describe('chart of accounts', () => {
  const chart: [string, string, string | null, string | null, boolean, number][] = [
    ['provider:wechatpay:clearing', 'ASSET', null, null, false, 8],
    ['provider:alipay:clearing', 'ASSET', null, null, false, 8],
    ['merchant:m_42:payable', 'LIABILITY', 'MERCHANT', 'm_42', false, 1],
    ['rider:r-7:payable', 'LIABILITY', 'RIDER', 'r-7', false, 1],
    ['platform:commission', 'REVENUE', null, null, false, 8],
    ['refunds:alipay:in_flight', 'LIABILITY', null, null, true, 8],
    ['platform:compensation', 'EXPENSE', null, null, false, 8],
    ['customer:c_1:coupons', 'LIABILITY', 'CUSTOMER', 'c_1', true, 1],
    ['recon:wechatpay:suspense', 'ASSET', null, null, false, 1],
  ];
  it.each(chart)(
    '%s is %s owned by %s/%s (non-negative: %s, shards: %s)',
    (code, type, ownerKind, ownerId, nonNegative, shards) => {
      expect(accountSpec(code)).toEqual({ code, type, ownerKind, ownerId, nonNegative, shards });
    },
  );

  it('picks a shard from the reference id deterministically and spreads references over all shards', () => {
    expect(shardOf('rf_1', 1)).toBe(0);
    expect(shardOf('rf_1', 8)).toBe(shardOf('rf_1', 8));
    // FNV-1a 32 of "a" is 0xe40c292c: pinned, because a persisted balance depends on it.
    expect(shardOf('a', 8)).toBe(0xe40c292c % 8);
    const used = new Set(Array.from({ length: 200 }, (_, i) => shardOf(`rf_${i}`, 8)));
    expect([...used].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it.each([
    'provider:paypal:clearing',
    'merchant::payable',
    'merchant:a:b:payable',
    'platform:commission ',
    'bank:vault',
    '',
  ])('refuses %j', (code) => expect(codeOf(() => accountSpec(code))).toBe('UNKNOWN_ACCOUNT_CODE'));

  it('builds codes and knows normal sides', () => {
    expect(accountCodes.refundsInFlight('wechatpay')).toBe('refunds:wechatpay:in_flight');
    expect(codeOf(() => accountCodes.merchantPayable('m:1'))).toBe('UNKNOWN_ACCOUNT_CODE');
    expect(['ASSET', 'EXPENSE', 'LIABILITY', 'REVENUE', 'EQUITY'].map((t) => normalSide(t as never))).toEqual(
      ['DEBIT', 'DEBIT', 'CREDIT', 'CREDIT', 'CREDIT'],
    );
  });
});

describe('entry rules', () => {
  const payment = paymentCaptured({
    paymentId: 'pay_1',
    provider: 'wechatpay',
    merchantId: 'm_1',
    amount: cny(1_000),
    commission: cny(100),
  });

  it('accepts balanced entries, with a default idempotency key of kind + reference', () => {
    expect(() => validateEntry(payment)).not.toThrow();
    expect(idempotencyKeyOf(payment)).toBe('PAYMENT_CAPTURED:payment:pay_1');
  });

  const broken: [string, (e: EntryInput) => EntryInput, string][] = [
    ['one leg', (e) => ({ ...e, postings: e.postings.slice(0, 1) }), 'INVALID_ENTRY'],
    ['unbalanced', (e) => ({ ...e, postings: [...e.postings.slice(0, 2)] }), 'UNBALANCED_ENTRY'],
    [
      'zero amount',
      (e) => ({ ...e, postings: e.postings.map((p) => ({ ...p, amount: cny(0) })) }),
      'INVALID_ENTRY',
    ],
    [
      'balanced in total but not per currency',
      (e) => ({
        ...e,
        postings: [
          { account: 'provider:wechatpay:clearing', direction: 'DEBIT', amount: cny(5) },
          { account: 'merchant:m_1:payable', direction: 'CREDIT', amount: money(5n, 'JPY') },
        ],
      }),
      'UNBALANCED_ENTRY',
    ],
    ['bad reference', (e) => ({ ...e, reference: { type: 'Payment!', id: 'x' } }), 'INVALID_ENTRY'],
    ['long memo', (e) => ({ ...e, memo: 'x'.repeat(501) }), 'INVALID_ENTRY'],
  ];
  it.each(broken)('refuses %s', (_, change, code) => {
    expect(codeOf(() => validateEntry(change(payment)))).toBe(code);
  });

  it('fingerprints the meaning of an entry, not leg order or memo', () => {
    const reordered = { ...payment, memo: 'different words', postings: [...payment.postings].reverse() };
    expect(bodyHash(reordered, null)).toBe(bodyHash(payment, null));
    const otherAmount = paymentCaptured({
      paymentId: 'pay_1',
      provider: 'wechatpay',
      merchantId: 'm_1',
      amount: cny(1_001),
    });
    expect(bodyHash(otherAmount, null)).not.toBe(bodyHash(payment, null));
    expect(bodyHash(payment, '7')).not.toBe(bodyHash(payment, null));
  });

  it('reverses by swapping directions, and never reverses a reversal', () => {
    const view: EntryView = {
      id: '12',
      kind: 'PAYMENT_CAPTURED',
      reference: { type: 'payment', id: 'pay_1' },
      memo: null,
      createdAt: new Date(),
      reversesEntryId: null,
      idempotencyKey: 'k',
      postings: payment.postings.map((p, i) => ({
        id: String(i),
        accountId: String(i),
        accountCode: p.account,
        ...p,
      })),
    };
    const reversal = reversalOf(view, 'duplicate capture');
    expect(reversal.idempotencyKey).toBe('REVERSAL:journal_entry:12');
    expect(reversal.postings.map((p) => p.direction)).toEqual(
      payment.postings.map((p) => (p.direction === 'DEBIT' ? 'CREDIT' : 'DEBIT')),
    );
    expect(codeOf(() => reversalOf({ ...view, kind: 'REVERSAL' }, 'again'))).toBe('CANNOT_REVERSE_REVERSAL');
  });
});

describe('event builders', () => {
  it('splits a payment: whatever is not commission or rider goes to the merchant', () => {
    const entry = paymentCaptured({
      paymentId: 'p',
      provider: 'alipay',
      merchantId: 'm',
      amount: cny(1_000),
      commission: cny(150),
      rider: { riderId: 'r', amount: cny(50) },
    });
    expect(entry.postings.map((p) => [p.account, p.direction, Number(p.amount.amountMinor)])).toEqual([
      ['provider:alipay:clearing', 'DEBIT', 1_000],
      ['platform:commission', 'CREDIT', 150],
      ['rider:r:payable', 'CREDIT', 50],
      ['merchant:m:payable', 'CREDIT', 800],
    ]);
    expect(
      codeOf(() =>
        paymentCaptured({
          paymentId: 'p',
          provider: 'alipay',
          merchantId: 'm',
          amount: cny(10),
          commission: cny(11),
        }),
      ),
    ).toBe('INVALID_ENTRY');
  });

  it('approves and releases refunds against the same liable parties', () => {
    const liable = [
      { party: { kind: 'MERCHANT', id: 'm' } as const, amount: cny(70) },
      { party: { kind: 'RIDER', id: 'r' } as const, amount: cny(30) },
    ];
    const approved = refundApproved({ refundId: 'rf', provider: 'wechatpay', amount: cny(100), liable });
    const released = refundReleased({ refundId: 'rf', provider: 'wechatpay', amount: cny(100), liable });
    expect(approved.postings.map((p) => `${p.direction} ${p.account}`)).toEqual([
      'DEBIT merchant:m:payable',
      'DEBIT rider:r:payable',
      'CREDIT refunds:wechatpay:in_flight',
    ]);
    expect(released.postings.map((p) => `${p.direction} ${p.account}`)).toEqual([
      'DEBIT refunds:wechatpay:in_flight',
      'CREDIT merchant:m:payable',
      'CREDIT rider:r:payable',
    ]);
    expect(approved.idempotencyKey).toBeUndefined();
    expect(idempotencyKeyOf(released)).toBe('REFUND_RELEASED:refund:rf');
  });
});
