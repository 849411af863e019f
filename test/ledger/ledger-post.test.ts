import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orm } from '../../src/db/index.js';
import {
  LedgerError,
  accountCodes,
  refundApproved,
  refundReleased,
  refundSucceeded,
  couponCompensation,
  appealCostMove,
  reconciliationAdjustment,
  paymentCaptured,
  type LedgerService,
} from '../../src/ledger/index.js';
import { money } from '../../src/money/index.js';
import { cny, ledgerHarness, newCapturedPayment, uniqueId } from './ledger-fixtures.js';

describe('ledger posting', () => {
  let orm: Orm;
  let ledger: LedgerService;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ orm, ledger, close } = await ledgerHarness());
  });
  afterAll(async () => close());

  async function balance(code: string, currency = 'CNY'): Promise<bigint> {
    return (await ledger.balanceOf(code, currency)).amountMinor;
  }

  it('posts a captured payment with its split and updates cached balances', async () => {
    const result = await ledger.post(
      paymentCaptured({
        paymentId: 'pay_split',
        provider: 'alipay',
        merchantId: 'm_split',
        amount: cny(10_000),
        commission: cny(1_500),
        rider: { riderId: 'r_split', amount: cny(800) },
      }),
    );
    expect(result.replayed).toBe(false);
    expect(result.entry.kind).toBe('PAYMENT_CAPTURED');
    expect(result.entry.idempotencyKey).toBe('PAYMENT_CAPTURED:payment:pay_split');
    const legs = result.entry.postings.map((p) => [
      p.accountCode,
      p.direction,
      p.amount.amountMinor.toString(),
    ]);
    expect(legs.sort()).toEqual([
      ['merchant:m_split:payable', 'CREDIT', '7700'],
      ['platform:commission', 'CREDIT', '1500'],
      ['provider:alipay:clearing', 'DEBIT', '10000'],
      ['rider:r_split:payable', 'CREDIT', '800'],
    ]);
    const ids = result.entry.postings.map((p) => BigInt(p.accountId));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
    expect(await balance('provider:alipay:clearing')).toBe(10_000n);
    expect(await balance('merchant:m_split:payable')).toBe(7_700n);
    expect(await balance('platform:commission')).toBe(1_500n);
    const rider = await ledger.findAccount('rider:r_split:payable', 'CNY');
    expect(rider).toMatchObject({
      type: 'LIABILITY',
      ownerKind: 'RIDER',
      ownerId: 'r_split',
      nonNegative: false,
    });
  });

  it('walks a refund through approved → succeeded, and approved → released', async () => {
    const merchantId = uniqueId('m');
    await ledger.post(newCapturedPayment({ amountMinor: 5_000n, merchantId }));
    const liable = { kind: 'MERCHANT', id: merchantId } as const;
    const ok = uniqueId('rf');
    await ledger.post(refundApproved({ refundId: ok, provider: 'wechatpay', amount: cny(1_200), liable }));
    expect(await balance(accountCodes.refundsInFlight('wechatpay'))).toBe(1_200n);
    await ledger.post(refundSucceeded({ refundId: ok, provider: 'wechatpay', amount: cny(1_200) }));
    const failed = uniqueId('rf');
    await ledger.post(refundApproved({ refundId: failed, provider: 'wechatpay', amount: cny(300), liable }));
    await ledger.post(refundReleased({ refundId: failed, provider: 'wechatpay', amount: cny(300), liable }));
    expect(await balance(accountCodes.refundsInFlight('wechatpay'))).toBe(0n);
    expect(await balance(accountCodes.merchantPayable(merchantId))).toBe(3_800n);
  });

  it('splits liability, compensates with coupons, moves cost on appeal and adjusts suspense', async () => {
    const merchantId = uniqueId('m');
    const refund = refundApproved({
      refundId: uniqueId('rf'),
      provider: 'alipay',
      amount: cny(1_000),
      liable: [
        { party: { kind: 'MERCHANT', id: merchantId }, amount: cny(700) },
        { party: { kind: 'PLATFORM' }, amount: cny(300) },
      ],
    });
    expect(refund.postings.map((p) => p.account)).toEqual([
      `merchant:${merchantId}:payable`,
      'platform:compensation',
      'refunds:alipay:in_flight',
    ]);
    await ledger.post(refund);
    await ledger.post(
      couponCompensation({
        caseId: uniqueId('case'),
        customerId: 'c_9',
        amount: cny(500),
        payer: { kind: 'PLATFORM' },
      }),
    );
    expect(await balance('customer:c_9:coupons')).toBe(500n);
    await ledger.post(
      appealCostMove({
        appealId: uniqueId('ap'),
        amount: cny(700),
        from: { kind: 'MERCHANT', id: merchantId },
        to: { kind: 'PLATFORM' },
      }),
    );
    expect(await balance(`merchant:${merchantId}:payable`)).toBe(0n);
    const adjustment = await ledger.post(
      reconciliationAdjustment({
        itemId: uniqueId('ri'),
        provider: 'alipay',
        amount: cny(1),
        suspenseSide: 'DEBIT',
        counterAccount: accountCodes.providerClearing('alipay'),
        note: 'provider fee rounding',
        discrepancy: 'FEE_MISMATCH',
      }),
    );
    expect(adjustment.entry.memo).toBe('FEE_MISMATCH: provider fee rounding');
    expect(() =>
      refundApproved({
        refundId: 'x',
        provider: 'alipay',
        amount: cny(10),
        liable: [{ party: { kind: 'PLATFORM' }, amount: cny(9) }],
      }),
    ).toThrow(LedgerError);
  });

  it('replays the same key and body as the same entry, without a second effect', async () => {
    const entry = newCapturedPayment({ amountMinor: 900n, merchantId: 'm_replay' });
    const first = await ledger.post(entry);
    const second = await ledger.post({ ...entry, memo: 'reworded memo is still the same event' });
    expect(second.replayed).toBe(true);
    expect(second.entry.id).toBe(first.entry.id);
    expect(second.entry.postings.map((p) => p.id)).toEqual(first.entry.postings.map((p) => p.id));
    expect(await balance('merchant:m_replay:payable')).toBe(900n);
  });

  it('refuses a different body under the same key with IDEMPOTENCY_KEY_REUSED', async () => {
    const paymentId = uniqueId('pay');
    await ledger.post(newCapturedPayment({ amountMinor: 100n, paymentId }));
    await expect(ledger.post(newCapturedPayment({ amountMinor: 101n, paymentId }))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
  });

  it('gives concurrent posts with one key exactly one entry', async () => {
    const entry = newCapturedPayment({ amountMinor: 250n, merchantId: 'm_race' });
    const results = await Promise.all(Array.from({ length: 12 }, () => ledger.post(entry)));
    expect(new Set(results.map((r) => r.entry.id)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await balance('merchant:m_race:payable')).toBe(250n);
  });

  it('reverses an entry once; a reversal cannot be reversed', async () => {
    const { entry } = await ledger.post(newCapturedPayment({ amountMinor: 400n, merchantId: 'm_rev' }));
    const reversal = await ledger.reverse(entry.id, 'captured twice by the order service');
    expect(reversal.entry).toMatchObject({ kind: 'REVERSAL', reversesEntryId: entry.id });
    expect(reversal.entry.postings.map((p) => `${p.accountCode} ${p.direction}`).sort()).toEqual([
      'merchant:m_rev:payable DEBIT',
      'provider:wechatpay:clearing CREDIT',
    ]);
    expect(await balance('merchant:m_rev:payable')).toBe(0n);
    expect((await ledger.reverse(entry.id, 'again')).replayed).toBe(true);
    await expect(
      ledger.reverse(entry.id, 'other key', { idempotencyKey: uniqueId('k') }),
    ).rejects.toMatchObject({
      code: 'ENTRY_ALREADY_REVERSED',
    });
    await expect(ledger.reverse(reversal.entry.id, 'undo')).rejects.toMatchObject({
      code: 'CANNOT_REVERSE_REVERSAL',
    });
    await expect(ledger.reverse('999999999', 'missing')).rejects.toMatchObject({ code: 'ENTRY_NOT_FOUND' });
  });

  it('refuses unbalanced, single-leg and unknown-account entries before touching the database', async () => {
    const base = newCapturedPayment({ amountMinor: 100n });
    const [debit, credit] = base.postings;
    await expect(
      ledger.post({ ...base, postings: [debit!, { ...credit!, amount: cny(99) }] }),
    ).rejects.toMatchObject({
      code: 'UNBALANCED_ENTRY',
    });
    await expect(ledger.post({ ...base, postings: [debit!] })).rejects.toMatchObject({
      code: 'INVALID_ENTRY',
    });
    await expect(
      ledger.post({ ...base, postings: [debit!, { ...credit!, account: 'bank:secret:vault' }] }),
    ).rejects.toMatchObject({ code: 'UNKNOWN_ACCOUNT_CODE' });
  });

  it('keeps currencies apart: the same code is one account per currency', async () => {
    await ledger.post(
      paymentCaptured({
        paymentId: uniqueId('pay'),
        provider: 'wechatpay',
        merchantId: 'm_fx',
        amount: money(700n, 'JPY'),
      }),
    );
    await ledger.post(
      paymentCaptured({
        paymentId: uniqueId('pay'),
        provider: 'wechatpay',
        merchantId: 'm_fx',
        amount: cny(300),
      }),
    );
    expect(await balance('merchant:m_fx:payable', 'JPY')).toBe(700n);
    expect(await balance('merchant:m_fx:payable', 'CNY')).toBe(300n);
  });

  it('posts inside a caller transaction: commits and rolls back with it', async () => {
    const committed = newCapturedPayment({ amountMinor: 111n, merchantId: 'm_tx_ok' });
    await orm.em.fork().transactional(async (em) => {
      const result = await ledger.inTransaction(em).post(committed);
      expect(result.replayed).toBe(false);
    });
    expect(await balance('merchant:m_tx_ok:payable')).toBe(111n);

    const rolledBack = newCapturedPayment({ amountMinor: 222n, merchantId: 'm_tx_rollback' });
    await expect(
      orm.em.fork().transactional(async (em) => {
        await ledger.post(rolledBack, { em });
        throw new Error('refund row failed to save');
      }),
    ).rejects.toThrow('refund row failed to save');
    expect(await ledger.findAccount('merchant:m_tx_rollback:payable', 'CNY')).toBeNull();
    // The account cache must not remember the rolled-back account.
    await ledger.post(rolledBack);
    expect(await balance('merchant:m_tx_rollback:payable')).toBe(222n);
  });

  it('refuses to take a non-negative account below zero with INSUFFICIENT_FUNDS', async () => {
    const refundId = uniqueId('rf');
    expect(await balance(accountCodes.refundsInFlight('wechatpay'))).toBe(0n);
    await expect(
      ledger.post(refundSucceeded({ refundId, provider: 'wechatpay', amount: cny(1) })),
    ).rejects.toMatchObject({
      code: 'INSUFFICIENT_FUNDS',
    });
  });
});
