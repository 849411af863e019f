/**
 * The matching core: what one statement row and/or one ledger item, joined by our id at the provider,
 * amount to. Pure (no I/O, no clock), so it is tested table-driven and runs over millions of pairs
 * streamed from the set-based join (recon.matcher.ts).
 */
import type { ReconCategory } from './recon.model.js';

export type Kind = 'PAYMENT' | 'REFUND';

/** The statement side, normalised: `status` is SUCCESS | PROCESSING | CLOSED | ABNORMAL | other. */
export interface StatementFacts {
  readonly kind: Kind;
  readonly amountMinor: bigint;
  /** Fee charged by the provider in minor units (refund rows: negative when the fee is given back). */
  readonly feeMinor: bigint;
  readonly status: string;
  /** A later row of the same file with the same key as an earlier one. */
  readonly duplicate: boolean;
}

/** The ledger side: a payment (status CAPTURED) or a refund with its status and settlement time. */
export interface LedgerFacts {
  readonly kind: Kind;
  readonly amountMinor: bigint;
  readonly status: string;
  /** When the money moved on the provider clearing account (capture; refund success), if it has. */
  readonly settledAt: Date | null;
}

export interface PairContext {
  /** Start and end of the bill date (Asia/Shanghai), as instants. */
  readonly dayStart: Date;
  readonly dayEnd: Date;
  /** An earlier day's run left an OPEN TIMING item for this key. */
  readonly openTiming: boolean;
  /** Fee rate agreed with the provider, basis points. */
  readonly feeRateBps: number;
  /** Ledger events this close to the day's end may show up in the next day's bill. */
  readonly timingWindowMs: number;
}

export type Verdict =
  | { readonly outcome: 'MATCHED'; readonly closesTiming: boolean }
  | {
      readonly outcome: 'DISCREPANCY';
      readonly category: ReconCategory;
      readonly amountMinor: bigint;
      readonly clearingDeltaMinor: bigint;
      readonly detail: string;
    };

const IN_FLIGHT = new Set(['PENDING', 'PROCESSING']);

/** Fee the agreement implies for an amount: rounded half up to the fen, as both providers do. */
export function expectedFee(kind: Kind, amountMinor: bigint, feeRateBps: number): bigint {
  const fee = (amountMinor * BigInt(feeRateBps) + 5_000n) / 10_000n;
  return kind === 'PAYMENT' ? fee : -fee;
}

/** How the provider's clearing moves for a row: payments in, refunds out. */
const clearingEffect = (kind: Kind, amountMinor: bigint): bigint =>
  kind === 'PAYMENT' ? amountMinor : -amountMinor;

const abs = (v: bigint): bigint => (v < 0n ? -v : v);

function discrepancy(
  category: ReconCategory,
  amountMinor: bigint,
  clearingDeltaMinor: bigint,
  detail: string,
): Verdict {
  return { outcome: 'DISCREPANCY', category, amountMinor: abs(amountMinor), clearingDeltaMinor, detail };
}

export function classify(s: StatementFacts | null, l: LedgerFacts | null, ctx: PairContext): Verdict {
  if (s === null && l === null) throw new Error('classify: a pair needs at least one side');
  if (s === null) return ledgerOnly(l!, ctx);
  if (s.duplicate)
    return discrepancy(
      'DUPLICATE',
      s.amountMinor,
      clearingEffect(s.kind, s.amountMinor),
      'row repeated in the statement',
    );
  if (l === null)
    return discrepancy(
      'MISSING_IN_LEDGER',
      s.amountMinor,
      clearingEffect(s.kind, s.amountMinor),
      `${s.kind.toLowerCase()} at the provider, unknown to the ledger`,
    );
  return both(s, l, ctx);
}

function ledgerOnly(l: LedgerFacts, ctx: PairContext): Verdict {
  if (ctx.openTiming) return { outcome: 'MATCHED', closesTiming: true };
  const settled = l.settledAt?.getTime() ?? 0;
  if (ctx.dayEnd.getTime() - settled <= ctx.timingWindowMs)
    return discrepancy(
      'TIMING',
      l.amountMinor,
      0n,
      'settled just before midnight: expected in the next bill',
    );
  return discrepancy(
    'MISSING_AT_PROVIDER',
    l.amountMinor,
    -clearingEffect(l.kind, l.amountMinor),
    `${l.kind.toLowerCase()} in the ledger, absent from the statement`,
  );
}

function both(s: StatementFacts, l: LedgerFacts, ctx: PairContext): Verdict {
  if (s.amountMinor !== l.amountMinor)
    return discrepancy(
      'AMOUNT_MISMATCH',
      s.amountMinor - l.amountMinor,
      clearingEffect(s.kind, s.amountMinor - l.amountMinor),
      `statement ${s.amountMinor}, ledger ${l.amountMinor}`,
    );
  const status = statusVerdict(s, l);
  if (status !== null) return status;
  const fee = expectedFee(s.kind, s.amountMinor, ctx.feeRateBps);
  if (s.feeMinor !== fee)
    return discrepancy(
      'FEE_MISMATCH',
      s.feeMinor - fee,
      fee - s.feeMinor,
      `fee ${s.feeMinor}, agreed ${fee}`,
    );
  const settled = l.settledAt;
  const sameDay = settled !== null && settled >= ctx.dayStart && settled < ctx.dayEnd;
  if (sameDay) return { outcome: 'MATCHED', closesTiming: ctx.openTiming };
  if (ctx.openTiming) return { outcome: 'MATCHED', closesTiming: true };
  return discrepancy('TIMING', s.amountMinor, 0n, 'the ledger settled it on another day');
}

/**
 * The fee of a statement row in minor units, as charged by the provider: the file's units of 10^-scale
 * (WeChat: + on payments; Alipay prints it negated). A fee with fractions of a fen can never equal an
 * agreed whole-fen fee, so it is rounded away from zero: it stays distinguishable.
 */
export function feeMinor(negated: boolean, units: bigint, scale: number): bigint {
  const signed = negated ? -units : units;
  if (scale <= 2) return signed * pow10(2 - scale);
  const div = pow10(scale - 2);
  const whole = signed / div;
  return signed % div === 0n ? whole : whole + (signed > 0n ? 1n : -1n);
}

/** Called for every row of a statement: the powers a file's scales need are made once. */
const POWERS_OF_TEN = Array.from({ length: 19 }, (_, n) => 10n ** BigInt(n));
const pow10 = (n: number): bigint => POWERS_OF_TEN[n] ?? 10n ** BigInt(n);

/**
 * The SQL twin of "classify(s, l, ctx) is MATCHED and closes no TIMING item", over a pair's columns
 * (kind, amount_minor, fee_minor, provider_status, duplicate, ledger_id, ledger_amount, ledger_status,
 * ledger_settled_at, open_timing) and the context's parameters. The matcher leaves the pairs it holds
 * in PostgreSQL (the exact matches: nearly all of a bill) and streams every other pair to `classify`,
 * which stays the definition: the predicate is never NULL, false whenever a fact is missing, and
 * test/reconciliation/recon-exact-sql.test.ts checks it against `classify` over generated pairs.
 */
/** Beyond this the expected fee is left to `classify` (bigint arithmetic in SQL must not overflow). */
const AMOUNT_BOUND = 100_000_000_000_000n;

export function exactMatchSql(param: { dayStart: string; dayEnd: string; feeRateBps: string }): string {
  return `coalesce(
    not duplicate and not open_timing and ledger_id is not null and amount_minor = ledger_amount
    and provider_status = 'SUCCESS' and (kind = 'PAYMENT' or ledger_status = 'SUCCEEDED')
    and fee_minor = (case when kind = 'PAYMENT' then 1 else -1 end)
                    * case when amount_minor between -${AMOUNT_BOUND} and ${AMOUNT_BOUND}
                           then (amount_minor * ${param.feeRateBps} + 5000) / 10000 end
    and ledger_settled_at >= ${param.dayStart} and ledger_settled_at < ${param.dayEnd}, false)`;
}

/** Refund states: the bill freezes PROCESSING; our side may still be in flight. */
function statusVerdict(s: StatementFacts, l: LedgerFacts): Verdict | null {
  if (s.kind === 'PAYMENT') {
    if (s.status === 'SUCCESS') return null;
    return discrepancy(
      'STATUS_MISMATCH',
      s.amountMinor,
      -s.amountMinor,
      `payment ${s.status} at the provider`,
    );
  }
  if (s.status === 'SUCCESS' && l.status === 'SUCCEEDED') return null;
  if ((s.status === 'SUCCESS' || s.status === 'PROCESSING') && IN_FLIGHT.has(l.status))
    return discrepancy(
      'TIMING',
      s.amountMinor,
      0n,
      `still in flight (provider ${s.status}, ledger ${l.status})`,
    );
  const providerPaid = s.status === 'SUCCESS';
  const ledgerPaid = l.status === 'SUCCEEDED';
  const delta = providerPaid === ledgerPaid ? 0n : providerPaid ? -s.amountMinor : s.amountMinor;
  return discrepancy('STATUS_MISMATCH', s.amountMinor, delta, `provider ${s.status}, ledger ${l.status}`);
}
