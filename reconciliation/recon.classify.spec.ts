import { describe, expect, it } from 'vitest';
import {
  classify,
  expectedFee,
  type LedgerFacts,
  type PairContext,
  type StatementFacts,
} from './recon.classify.js';
import { shanghaiDay } from './recon.model.js';

const { start, end } = shanghaiDay('2026-11-21');
const at = (hms: string, day = '2026-11-21'): Date => new Date(`${day}T${hms}+08:00`);
const ctx: PairContext = {
  dayStart: start,
  dayEnd: end,
  openTiming: false,
  feeRateBps: 60,
  timingWindowMs: 15 * 60_000,
};

const pay = (over: Partial<StatementFacts> = {}): StatementFacts => ({
  kind: 'PAYMENT',
  amountMinor: 10_000n,
  feeMinor: 60n,
  status: 'SUCCESS',
  duplicate: false,
  ...over,
});
const refundRow = (over: Partial<StatementFacts> = {}): StatementFacts => ({
  kind: 'REFUND',
  amountMinor: 2_500n,
  feeMinor: -15n,
  status: 'SUCCESS',
  duplicate: false,
  ...over,
});
const payment = (over: Partial<LedgerFacts> = {}): LedgerFacts => ({
  kind: 'PAYMENT',
  amountMinor: 10_000n,
  status: 'CAPTURED',
  settledAt: at('12:00:00'),
  ...over,
});
const refund = (over: Partial<LedgerFacts> = {}): LedgerFacts => ({
  kind: 'REFUND',
  amountMinor: 2_500n,
  status: 'SUCCEEDED',
  settledAt: at('13:00:00'),
  ...over,
});

describe('classify', () => {
  it.each<
    [string, StatementFacts | null, LedgerFacts | null, Partial<PairContext>, string, bigint?, bigint?]
  >([
    ['payment matches', pay(), payment(), {}, 'MATCHED'],
    ['refund matches', refundRow(), refund(), {}, 'MATCHED'],
    ['portal refund unknown to the ledger', refundRow(), null, {}, 'MISSING_IN_LEDGER', 2_500n, -2_500n],
    ['foreign payment', pay(), null, {}, 'MISSING_IN_LEDGER', 10_000n, 10_000n],
    ['ledger refund missing at the provider', null, refund(), {}, 'MISSING_AT_PROVIDER', 2_500n, 2_500n],
    ['ledger payment missing at the provider', null, payment(), {}, 'MISSING_AT_PROVIDER', 10_000n, -10_000n],
    [
      'ledger settled at 23:59:50, bill has it tomorrow',
      null,
      refund({ settledAt: at('23:59:50') }),
      {},
      'TIMING',
      2_500n,
      0n,
    ],
    [
      'amount differs',
      pay({ amountMinor: 9_900n, feeMinor: 59n }),
      payment(),
      {},
      'AMOUNT_MISMATCH',
      100n,
      -100n,
    ],
    [
      'refund amount differs',
      refundRow({ amountMinor: 2_600n }),
      refund(),
      {},
      'AMOUNT_MISMATCH',
      100n,
      -100n,
    ],
    ['duplicate row', pay({ duplicate: true }), payment(), {}, 'DUPLICATE', 10_000n, 10_000n],
    ['fee differs', pay({ feeMinor: 70n }), payment(), {}, 'FEE_MISMATCH', 10n, -10n],
    ['refund fee not returned', refundRow({ feeMinor: 0n }), refund(), {}, 'FEE_MISMATCH', 15n, -15n],
    [
      'status frozen at PROCESSING, ledger succeeded',
      refundRow({ status: 'PROCESSING' }),
      refund(),
      {},
      'STATUS_MISMATCH',
      2_500n,
      2_500n,
    ],
    [
      'provider paid a refund the ledger closed',
      refundRow(),
      refund({ status: 'CLOSED', settledAt: null }),
      {},
      'STATUS_MISMATCH',
      2_500n,
      -2_500n,
    ],
    [
      'provider success, ledger still processing',
      refundRow(),
      refund({ status: 'PROCESSING', settledAt: null }),
      {},
      'TIMING',
      2_500n,
      0n,
    ],
    [
      'accepted 23:59:59, settled after midnight',
      refundRow(),
      refund({ settledAt: at('00:00:03', '2026-11-22') }),
      {},
      'TIMING',
      2_500n,
      0n,
    ],
    ['yesterday TIMING, ledger-only today', null, refund(), { openTiming: true }, 'MATCHED'],
    [
      'yesterday TIMING, row today for a ledger item of yesterday',
      pay(),
      payment({ settledAt: at('23:59:58', '2026-11-20') }),
      { openTiming: true },
      'MATCHED',
    ],
    ['revoked payment', pay({ status: 'REVOKED' }), payment(), {}, 'STATUS_MISMATCH', 10_000n, -10_000n],
  ])('%s', (_name, s, l, over, outcome, amount, delta) => {
    const v = classify(s, l, { ...ctx, ...over });
    if (outcome === 'MATCHED') {
      expect(v.outcome).toBe('MATCHED');
      return;
    }
    expect(v).toMatchObject({
      outcome: 'DISCREPANCY',
      category: outcome,
      amountMinor: amount,
      clearingDeltaMinor: delta,
    });
  });

  it('a match that closes an earlier TIMING item says so', () => {
    expect(classify(null, refund(), { ...ctx, openTiming: true })).toEqual({
      outcome: 'MATCHED',
      closesTiming: true,
    });
    expect(classify(pay(), payment(), ctx)).toEqual({ outcome: 'MATCHED', closesTiming: false });
  });

  it('expected fees round half up to the fen, refunds give it back', () => {
    expect(expectedFee('PAYMENT', 10_000n, 60)).toBe(60n);
    expect(expectedFee('PAYMENT', 125n, 60)).toBe(1n); // 0.75 fen
    expect(expectedFee('PAYMENT', 83n, 60)).toBe(0n); // 0.498 fen
    expect(expectedFee('REFUND', 2_500n, 60)).toBe(-15n);
  });
});
