import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LedgerError,
  accountCodes,
  refundApproved,
  type EntryInput,
  type LedgerService,
} from '../../src/ledger/index.js';
import type { Orm } from '../../src/db/index.js';
import { cny, ledgerHarness, uniqueId } from './ledger-fixtures.js';

const POSTERS = 32;
const POSTS_EACH = 6;
const IN_FLIGHT = accountCodes.refundsInFlight('wechatpay'); // non-negative
const CLEARING = accountCodes.providerClearing('wechatpay');

/** Seeded pseudo-random numbers, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** Money out of (settle) or back into the in-flight account, legs listed in either order. */
function move(out: boolean, amountMinor: bigint, flip: boolean): EntryInput {
  const legs = [
    { account: IN_FLIGHT, direction: out ? 'DEBIT' : 'CREDIT', amount: cny(amountMinor) },
    { account: CLEARING, direction: out ? 'CREDIT' : 'DEBIT', amount: cny(amountMinor) },
  ] as const;
  return {
    kind: out ? 'REFUND_SUCCEEDED' : 'REFUND_APPROVED',
    reference: { type: 'refund', id: uniqueId('rf') },
    postings: flip ? [legs[1], legs[0]] : [legs[0], legs[1]],
  };
}

let callerOrm: Orm;

describe('ledger under 32 concurrent posters on 2 hot accounts', () => {
  let ledger: LedgerService;
  let close: () => Promise<void>;
  beforeAll(async () => {
    let orm: Orm;
    ({ ledger, close, orm } = await ledgerHarness(POSTERS + 2));
    callerOrm = orm;
  });
  afterAll(async () => close());

  it('loses no update, lets no deadlock escape and never takes the non-negative account below zero', async () => {
    const seed = 10_000n;
    await ledger.post(
      refundApproved({
        refundId: 'rf_seed',
        provider: 'wechatpay',
        amount: cny(seed),
        liable: { kind: 'PLATFORM' },
      }),
    );

    const outcomes = await Promise.all(
      Array.from({ length: POSTERS }, async (_, poster) => {
        const next = random(poster + 1);
        const accepted: bigint[] = []; // signed change of the in-flight balance
        let refused = 0;
        for (let i = 0; i < POSTS_EACH; i++) {
          const out = next() < 0.75;
          const amount = BigInt(Math.floor(next() * (out ? 3_000 : 800)) + 1);
          try {
            await ledger.post(move(out, amount, next() < 0.5));
            accepted.push(out ? -amount : amount);
          } catch (error) {
            if (!(error instanceof LedgerError) || error.code !== 'INSUFFICIENT_FUNDS') throw error;
            refused++;
          }
        }
        return { accepted, refused };
      }),
    );

    const accepted = outcomes.flatMap((o) => o.accepted);
    const refused = outcomes.reduce((n, o) => n + o.refused, 0);
    expect(accepted.length + refused).toBe(POSTERS * POSTS_EACH);
    expect(refused).toBeGreaterThan(0);
    expect(accepted.length).toBeGreaterThan(0);

    const expected = accepted.reduce((sum, change) => sum + change, seed);
    const inFlight = await ledger.findAccount(IN_FLIGHT, 'CNY');
    expect(inFlight!.balance.amountMinor).toBe(expected);
    expect(inFlight!.balance.amountMinor >= 0n).toBe(true);
    expect((await ledger.balanceOf(CLEARING, 'CNY')).amountMinor).toBe(expected - seed);
    expect(await ledger.cachedBalanceMismatches()).toEqual([]);
    expect((await ledger.trialBalance()).every((line) => line.balanced)).toBe(true);
  }, 60_000);

  it('serialises concurrent posts inside callers’ own transactions too', async () => {
    const before = (await ledger.balanceOf(CLEARING, 'CNY')).amountMinor;
    const results = await Promise.allSettled(
      Array.from({ length: POSTERS }, (_, i) =>
        callerOrm.em
          .fork()
          .transactional(async (em) => ledger.post(move(false, BigInt(i + 1), i % 2 === 0), { em })),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const total = BigInt((POSTERS * (POSTERS + 1)) / 2);
    expect((await ledger.balanceOf(CLEARING, 'CNY')).amountMinor).toBe(before + total);
  });
});
