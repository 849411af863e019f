import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LedgerError,
  type EntryInput,
  type EntryKind,
  type LedgerService,
  type PostingInput,
} from '../../src/ledger/index.js';
import { allocateMoney, money } from '../../src/money/index.js';
import { ledgerHarness, uniqueId } from './ledger-fixtures.js';

const ACCOUNTS = [
  'provider:wechatpay:clearing',
  'merchant:m_a:payable',
  'merchant:m_b:payable',
  'rider:r_a:payable',
  'platform:commission',
  'platform:compensation',
  'refunds:wechatpay:in_flight',
  'customer:c_a:coupons',
  'recon:alipay:suspense',
];
const KINDS: EntryKind[] = [
  'PAYMENT_CAPTURED',
  'REFUND_APPROVED',
  'COUPON_COMPENSATION',
  'RECONCILIATION_ADJUSTMENT',
];

type Op =
  | { op: 'post'; kind: EntryKind; currency: string; debits: [number, bigint][]; credits: [number, number][] }
  | { op: 'reverse'; pick: number };

const postOp = fc.record({
  op: fc.constant('post' as const),
  kind: fc.constantFrom(...KINDS),
  currency: fc.constantFrom('CNY', 'JPY'),
  debits: fc.array(fc.tuple(fc.nat(ACCOUNTS.length - 1), fc.bigInt(1n, 1_000_000n)), {
    minLength: 1,
    maxLength: 3,
  }),
  credits: fc.array(fc.tuple(fc.nat(ACCOUNTS.length - 1), fc.integer({ min: 1, max: 100 })), {
    minLength: 1,
    maxLength: 3,
  }),
});
const reverseOp = fc.record({ op: fc.constant('reverse' as const), pick: fc.nat() });

/** A balanced entry: the credits split the debits' total by random ratios (allocate never loses a unit). */
function toEntry(op: Extract<Op, { op: 'post' }>): EntryInput {
  const debits: PostingInput[] = op.debits.map(([i, minor]) => ({
    account: ACCOUNTS[i]!,
    direction: 'DEBIT',
    amount: money(minor, op.currency),
  }));
  const total = debits.reduce((sum, p) => sum + p.amount.amountMinor, 0n);
  const parts = allocateMoney(
    money(total, op.currency),
    op.credits.map(([, ratio]) => ratio),
  );
  const credits: PostingInput[] = op.credits
    .map(([i], n) => ({ account: ACCOUNTS[i]!, direction: 'CREDIT' as const, amount: parts[n]! }))
    .filter((p) => p.amount.amountMinor > 0n);
  return { kind: op.kind, reference: { type: 'test', id: uniqueId('e') }, postings: [...debits, ...credits] };
}

describe('ledger properties over random entries and reversals', () => {
  let ledger: LedgerService;
  let close: () => Promise<void>;
  /** Expected net debit per (code, currency), from the operations the ledger accepted. */
  const model = new Map<string, bigint>();
  const posted: string[] = [];

  beforeAll(async () => {
    ({ ledger, close } = await ledgerHarness());
  });
  afterAll(async () => close());

  function apply(postings: readonly PostingInput[]): void {
    for (const p of postings) {
      const key = `${p.account}|${p.amount.currency}`;
      const signed = p.direction === 'DEBIT' ? p.amount.amountMinor : -p.amount.amountMinor;
      model.set(key, (model.get(key) ?? 0n) + signed);
    }
  }

  async function run(op: Op): Promise<void> {
    try {
      if (op.op === 'post') {
        const { entry } = await ledger.post(toEntry(op));
        posted.push(entry.id);
        apply(
          entry.postings.map((p) => ({ account: p.accountCode, direction: p.direction, amount: p.amount })),
        );
      } else if (posted.length > 0) {
        const { entry, replayed } = await ledger.reverse(posted[op.pick % posted.length]!, 'property test');
        if (!replayed)
          apply(
            entry.postings.map((p) => ({ account: p.accountCode, direction: p.direction, amount: p.amount })),
          );
      }
    } catch (error) {
      // Refusals are legitimate outcomes; they must leave no trace.
      if (!(error instanceof LedgerError)) throw error;
      expect(['INSUFFICIENT_FUNDS', 'CANNOT_REVERSE_REVERSAL', 'ENTRY_ALREADY_REVERSED']).toContain(
        error.code,
      );
    }
  }

  it('keeps the trial balance at zero and every cached balance equal to its postings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ arbitrary: postOp, weight: 3 }, { arbitrary: reverseOp, weight: 1 }), {
          maxLength: 12,
        }),
        async (ops) => {
          for (const op of ops) await run(op);
          const trial = await ledger.trialBalance();
          for (const line of trial) {
            expect(line.totalDebits.amountMinor).toBe(line.totalCredits.amountMinor);
            expect(line.balanced).toBe(true);
          }
          expect(await ledger.cachedBalanceMismatches()).toEqual([]);
          for (const [key, net] of model) {
            const [code, currency] = key.split('|') as [string, string];
            const account = await ledger.findAccount(code, currency);
            expect(account!.debits.amountMinor - account!.credits.amountMinor).toBe(net);
            if (account!.nonNegative) expect(account!.balance.amountMinor >= 0n).toBe(true);
          }
        },
      ),
      { numRuns: 40 },
    );
    expect(posted.length).toBeGreaterThan(20);
  }, 120_000);
});
