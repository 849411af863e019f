import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  classify,
  exactMatchSql,
  feeMinor,
  type Kind,
  type LedgerFacts,
  type PairContext,
  type StatementFacts,
} from '../../reconciliation/recon.classify.js';
import { shanghaiDay } from '../../reconciliation/recon.model.js';

/**
 * The matcher leaves exact matches in PostgreSQL (`exactMatchSql`) and classifies the rest with
 * `classify`: the two must agree on every pair, or a difference would go unreported (or a match be
 * reported). Generated pairs are evaluated by both, the SQL on the real server.
 */
let client: pg.Client;
beforeAll(async () => {
  client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
});
afterAll(async () => {
  await client.end();
});

const { start: dayStart, end: dayEnd } = shanghaiDay('2026-11-21');
const MINUTE = 60_000;
/** As in recon.classify.ts: amounts beyond it are never exact in SQL. */
const AMOUNT_BOUND = 100_000_000_000_000n;

interface Pair {
  kind: Kind;
  amount: bigint;
  feeUnits: bigint;
  feeScale: number;
  status: string;
  duplicate: boolean;
  ledger: { amount: bigint; status: string; settledAt: Date | null } | null;
  openTiming: boolean;
}

/** Pairs near the exact match: each fact either as a match needs it or off by a little. */
const pairOf = (negated: boolean, feeRateBps: number): fc.Arbitrary<Pair> =>
  fc
    .record({
      kind: fc.constantFrom<Kind>('PAYMENT', 'REFUND'),
      amount: fc.oneof(fc.bigInt(-2n, 200_000n), fc.constantFrom(0n, 99_999_999_999_999_999n)),
      amountOff: fc.constantFrom(0n, 0n, 0n, 0n, 0n, 0n, 1n, -1n),
      feeScale: fc.constantFrom(2, 2, 5, 5, 0, 1, 3, 8),
      feeOff: fc.constantFrom(0n, 0n, 0n, 0n, 0n, 0n, 1n, -1n, 7n),
      status: fc.constantFrom(
        'SUCCESS',
        'SUCCESS',
        'SUCCESS',
        'SUCCESS',
        'PROCESSING',
        'CLOSED',
        'ABNORMAL',
        'REFUND',
      ),
      duplicate: fc.constantFrom(false, false, false, false, false, true),
      hasLedger: fc.constantFrom(true, true, true, true, true, false),
      ledgerStatus: fc.constantFrom(
        'SUCCEEDED',
        'SUCCEEDED',
        'SUCCEEDED',
        'SUCCEEDED',
        'PENDING',
        'PROCESSING',
        'FAILED',
        'CLOSED',
      ),
      settled: fc.constantFrom<(Date | null)[]>(
        new Date(dayStart.getTime() + 12 * 60 * MINUTE),
        new Date(dayStart.getTime() + 12 * 60 * MINUTE),
        dayStart,
        new Date(dayEnd.getTime() - 1),
        dayEnd,
        new Date(dayStart.getTime() - 1),
        null,
      ),
      openTiming: fc.constantFrom(false, false, false, false, false, true),
    })
    .map((g) => {
      const agreed = (g.amount * BigInt(feeRateBps) + 5_000n) / 10_000n;
      const fee = (g.kind === 'PAYMENT' ? agreed : -agreed) + g.feeOff;
      // Units at the file's scale that give this fee (or a fraction more when off at scale > 2).
      const units =
        g.feeScale <= 2
          ? fee / 10n ** BigInt(2 - g.feeScale)
          : fee * 10n ** BigInt(g.feeScale - 2) + (g.feeOff === 7n ? 1n : 0n);
      return {
        kind: g.kind,
        amount: g.amount,
        feeUnits: negated ? -units : units,
        feeScale: g.feeScale,
        status: g.status,
        duplicate: g.duplicate,
        ledger: g.hasLedger
          ? {
              amount: g.amount + g.amountOff,
              status: g.kind === 'PAYMENT' ? 'CAPTURED' : g.ledgerStatus,
              settledAt: g.kind === 'PAYMENT' || g.ledgerStatus === 'SUCCEEDED' ? g.settled : null,
            }
          : null,
        openTiming: g.openTiming,
      };
    })
    // The staging table's columns are bigint: the loader never stages a fee beyond them.
    .filter((p) => {
      const fee = feeMinor(negated, p.feeUnits, p.feeScale);
      return fee < 2n ** 62n && fee > -(2n ** 62n);
    });

async function sqlVerdicts(negated: boolean, feeRateBps: number, pairs: readonly Pair[]): Promise<boolean[]> {
  const col = <T>(f: (p: Pair, i: number) => T): T[] => pairs.map(f);
  const r = await client.query<{ exact: boolean }>(
    `select ${exactMatchSql({ dayStart: '$11', dayEnd: '$12', feeRateBps: '$13' })} as exact
       from unnest($1::int[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::bool[], $7::text[],
                   $8::bigint[], $9::text[], $10::timestamptz[], $14::bool[])
         as pair(i, kind, amount_minor, fee_minor, provider_status, duplicate, ledger_id, ledger_amount,
                 ledger_status, ledger_settled_at, open_timing)
      order by i`,
    [
      col((_p, i) => i),
      col((p) => p.kind),
      col((p) => p.amount.toString()),
      // The loader stages each row's fee in minor units as `feeMinor` computes it.
      col((p) => feeMinor(negated, p.feeUnits, p.feeScale).toString()),
      col((p) => p.status),
      col((p) => p.duplicate),
      col((p) => (p.ledger === null ? null : 'x')),
      col((p) => p.ledger?.amount.toString() ?? null),
      col((p) => p.ledger?.status ?? null),
      col((p) => p.ledger?.settledAt ?? null),
      dayStart,
      dayEnd,
      feeRateBps,
      col((p) => p.openTiming),
    ],
  );
  return r.rows.map((row) => row.exact);
}

function tsVerdict(negated: boolean, feeRateBps: number, p: Pair): boolean {
  const fee = feeMinor(negated, p.feeUnits, p.feeScale);
  const s: StatementFacts = {
    kind: p.kind,
    amountMinor: p.amount,
    feeMinor: fee,
    status: p.status,
    duplicate: p.duplicate,
  };
  const l: LedgerFacts | null =
    p.ledger === null
      ? null
      : {
          kind: p.kind,
          amountMinor: p.ledger.amount,
          status: p.ledger.status,
          settledAt: p.ledger.settledAt,
        };
  const ctx: PairContext = {
    dayStart,
    dayEnd,
    openTiming: p.openTiming,
    feeRateBps,
    timingWindowMs: 15 * MINUTE,
  };
  const v = classify(s, l, ctx);
  return v.outcome === 'MATCHED' && !v.closesTiming;
}

describe('exact matches in SQL agree with classify', () => {
  it('on generated pairs (WeChat and Alipay fee signs, any agreed rate)', async () => {
    let exact = 0;
    let other = 0;
    await fc.assert(
      fc.asyncProperty(
        fc
          .tuple(fc.boolean(), fc.integer({ min: 0, max: 1_000 }))
          .chain(([negated, bps]) =>
            fc.tuple(
              fc.constant(negated),
              fc.constant(bps),
              fc.array(pairOf(negated, bps), { minLength: 1, maxLength: 60 }),
            ),
          ),
        async ([negated, feeRateBps, pairs]) => {
          const sql = await sqlVerdicts(negated, feeRateBps, pairs);
          const ts = pairs.map((p) => tsVerdict(negated, feeRateBps, p));
          for (const v of ts)
            if (v) exact++;
            else other++;
          // Beyond the bound SQL leaves the fee check to classify (never the other way round).
          const expected = ts.map((v, i) => (pairs[i]!.amount > AMOUNT_BOUND ? false : v));
          expect(sql).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
    // The generator reaches both sides of the predicate, often.
    expect(exact).toBeGreaterThan(20);
    expect(other).toBeGreaterThan(200);
  });

  it.each<[string, Partial<Pair>]>([
    ['an exact payment', {}],
    ['a duplicate row', { duplicate: true }],
    ['no ledger item', { ledger: null }],
    ['an amount off by one fen', { amount: 10_001n }],
    ['a PROCESSING status', { status: 'PROCESSING' }],
    ['a fee a thousandth of a fen off', { feeUnits: 60_001n }],
    [
      'settled the day before',
      { ledger: { amount: 10_000n, status: 'CAPTURED', settledAt: new Date(dayStart.getTime() - 1) } },
    ],
    ['an open TIMING item to close', { openTiming: true }],
  ])('%s', async (_name, over) => {
    const pair: Pair = {
      kind: 'PAYMENT',
      amount: 10_000n,
      feeUnits: 60_000n,
      feeScale: 5,
      status: 'SUCCESS',
      duplicate: false,
      ledger: { amount: 10_000n, status: 'CAPTURED', settledAt: new Date(dayStart.getTime() + MINUTE) },
      openTiming: false,
      ...over,
    };
    const [sql] = await sqlVerdicts(false, 60, [pair]);
    expect(sql).toEqual(tsVerdict(false, 60, pair));
  });
});
