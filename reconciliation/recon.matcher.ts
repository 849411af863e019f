/**
 * The bulk match: set-based queries over the run's staged rows, their rows streamed through
 * server-side cursors in batches, each handed to the pure classifier and every discrepancy written
 * back in batches. The file's figures come from the load (recon.store.ts), which sums them as it goes.
 *
 * (1) every staged statement row LEFT JOINed to the payment (by channel + out_trade_no) or the refund
 *     (by our refund id, the provider's out_refund_no / out_request_no) it names, less the exact
 *     matches (`exactMatchSql`, the classifier's SQL twin): only the pairs that differ leave PostgreSQL;
 * (2) every ledger item that moved the provider's clearing on the bill date (payments captured,
 *     refunds succeeded) that no statement row names (an anti-join): only when the day's ledger items
 *     outnumber those the statement named, which (1) counts without another pass (`Named`).
 * These read the payments and refunds tables directly (read-only): a join of a million statement rows
 * cannot go through per-id look-ups, and the payments module exports no bulk reader (README).
 */
import type pg from 'pg';
import { newId, quoteIdent } from '../src/db/index.js';
import {
  classify,
  exactMatchSql,
  type Kind,
  type LedgerFacts,
  type PairContext,
  type StatementFacts,
  type Verdict,
} from './recon.classify.js';
import { channelOf, type DiscrepancyFacts, type ReconProvider } from './recon.model.js';
import type { StatementFigures } from './recon.store.js';

const FETCH = 5_000;
const INSERT_BATCH = 500;

export interface MatchInput {
  readonly runId: string;
  readonly provider: ReconProvider;
  readonly billDate: string;
  /** The run's staging table (`stagingTable`), its statement rows. */
  readonly staged: string;
  /** Lines that may repeat an earlier line's key, from the load (`DuplicateCandidates`). */
  readonly duplicateCandidates: readonly number[];
  readonly dayStart: Date;
  readonly dayEnd: Date;
  readonly feeRateBps: number;
  readonly timingWindowMs: number;
  /** The day's payments captured and refunds succeeded by the ledger, counted before the match. */
  readonly ledgerPaymentCount: number;
  readonly ledgerRefundCount: number;
}

export interface MatchTotals {
  statementRows: number;
  statementPaymentCount: number;
  statementPaymentMinor: bigint;
  statementRefundCount: number;
  statementRefundMinor: bigint;
  statementFeeMinor: bigint;
  matchedCount: number;
  matchedMinor: bigint;
  discrepancies: number;
  /** (kind, key) of earlier days' TIMING items this run matched. */
  readonly timingClosed: { kinds: string[]; keys: string[] };
}

type ItemRow = DiscrepancyFacts<Kind>;

/**
 * TIMING items of earlier days still open, or closed by an earlier run of this same date (so that a
 * re-run sees what the first run saw: same inputs, same results).
 */
export const TIMING_TO_CLOSE = `i.provider = $2 and i.category = 'TIMING' and i.bill_date < $3::date
     and (i.status = 'OPEN' or (i.status = 'AUTO_CLOSED' and i.closed_by_run in
          (select id from recon_run where provider = $2 and bill_date = $3::date)))`;

const OPEN_TIMING = `timing as (
  select distinct i.kind, i.match_key from recon_item i join recon_run r on r.id = i.run_id
   where ${TIMING_TO_CLOSE} and r.superseded_at is null and r.status <> 'FAILED')`;

/**
 * Every staged statement row with the ledger item it names, as a pair (the classifier's facts), less
 * the exact matches: those are left in PostgreSQL and counted from the file's figures. A row is a
 * duplicate when an earlier row has its key: only the load's candidates are compared (none, mostly).
 * $1 channel, $2 provider, $3 bill date, $4/$5 the day, $6 fee rate (bps), $7 the candidate lines.
 */
const statementSide = (staged: string, duplicateCandidates: boolean): string => `
with dup as (${
  duplicateCandidates
    ? `select kind, match_key, min(line_no) as first_line
         from ${staged} where line_no = any($7::int[]) group by 1, 2 having count(*) > 1`
    : `select null::varchar as kind, null::varchar as match_key, null::int as first_line where false`
}),
${OPEN_TIMING},
pairs as (
  select s.line_no, s.kind, s.match_key, s.out_trade_no, s.transaction_id, s.provider_refund_id, s.amount_minor,
         s.currency, s.fee_minor, s.provider_status, s.occurred_at,
         coalesce(d.first_line <> s.line_no, false) as duplicate,
         p.id as payment_id, r.id as refund_id,
         coalesce(p.id, r.id) as ledger_id,
         coalesce(p.amount_minor, r.amount_minor) as ledger_amount,
         case when p.id is not null then 'CAPTURED' else r.status end as ledger_status,
         case when p.id is not null then p.captured_at when r.status = 'SUCCEEDED' then r.finalized_at end
           as ledger_settled_at,
         t.match_key is not null as open_timing
    from ${staged} s
    left join dup d on d.kind = s.kind and d.match_key = s.match_key
    left join payment p on s.kind = 'PAYMENT' and p.channel = $1 and p.out_trade_no = s.out_trade_no
    left join refund r on s.kind = 'REFUND' and r.id = s.refund_no and r.channel = $1
    left join timing t on t.kind = s.kind and t.match_key = s.match_key)
select * from pairs where not ${exactMatchSql({ dayStart: '$4', dayEnd: '$5', feeRateBps: '$6' })}`;

/** The ledger items that moved the provider's clearing on the day that no staged row names. */
const ledgerSide = (staged: string): string => `
with ${OPEN_TIMING}
select 'PAYMENT' as kind, p.id as payment_id, null as refund_id, p.out_trade_no as match_key, p.out_trade_no,
       p.provider_transaction_id, null as provider_refund_id, p.amount_minor, p.currency, 'CAPTURED' as status,
       p.captured_at as settled_at, t.match_key is not null as open_timing
  from payment p left join timing t on t.kind = 'PAYMENT' and t.match_key = p.out_trade_no
 where p.channel = $1 and p.captured_at >= $4 and p.captured_at < $5
   and not exists (select 1 from ${staged} s where s.kind = 'PAYMENT' and s.out_trade_no = p.out_trade_no)
union all
select 'REFUND', r.payment_id, r.id, r.id, pp.out_trade_no, pp.provider_transaction_id, r.provider_refund_id,
       r.amount_minor, r.currency, r.status, r.finalized_at, t.match_key is not null
  from refund r join payment pp on pp.id = r.payment_id
  left join timing t on t.kind = 'REFUND' and t.match_key = r.id
 where r.channel = $1 and r.status = 'SUCCEEDED' and r.finalized_at >= $4 and r.finalized_at < $5
   and not exists (select 1 from ${staged} s where s.kind = 'REFUND' and s.refund_no = r.id)`;

type Row = Record<string, unknown>;

interface MatchQuery {
  readonly text: string;
  readonly params: unknown[];
}

/** The queries of a match over the staged rows, with their parameters. */
function matchQueries(i: MatchInput): [statementSide: MatchQuery, ledgerSide: MatchQuery] {
  const params = [channelOf(i.provider), i.provider, i.billDate, i.dayStart, i.dayEnd];
  return [
    {
      text: statementSide(i.staged, i.duplicateCandidates.length > 0),
      params: [...params, i.feeRateBps, ...(i.duplicateCandidates.length > 0 ? [i.duplicateCandidates] : [])],
    },
    { text: ledgerSide(i.staged), params },
  ];
}

const big = (v: unknown): bigint => BigInt(v as string | number);
const text = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string));
const time = (v: unknown): Date | null =>
  v === null || v === undefined ? null : new Date(v as string | Date);

/**
 * How many of the day's ledger items the statement rows name, per kind, counted from the pairs (1)
 * streams: every exact match names one (the predicate requires the item settled on the day, and a row
 * not flagged a duplicate), so named = rows − pairs streamed + streamed pairs that name one. Distinct
 * items: out_trade_no is unique per channel and refund ids are keys, and of the rows with one key only
 * the first is not a duplicate. Equal to the ledger's count of the day: no item is missing at the
 * provider, and the anti-join (2) is skipped.
 */
class Named {
  private streamed = 0;
  private namesOne = 0;
  constructor(private readonly rows: number) {}
  add(namesLedgerItemOfDay: boolean): void {
    this.streamed++;
    if (namesLedgerItemOfDay) this.namesOne++;
  }
  count(): number {
    return this.rows - this.streamed + this.namesOne;
  }
}

export class Matcher {
  private readonly items: ItemRow[] = [];
  private named = { PAYMENT: new Named(0), REFUND: new Named(0) };
  readonly totals: MatchTotals = {
    statementRows: 0,
    statementPaymentCount: 0,
    statementPaymentMinor: 0n,
    statementRefundCount: 0,
    statementRefundMinor: 0n,
    statementFeeMinor: 0n,
    matchedCount: 0,
    matchedMinor: 0n,
    discrepancies: 0,
    timingClosed: { kinds: [], keys: [] },
  };

  constructor(
    private readonly client: pg.Client,
    private readonly input: MatchInput,
    private readonly onProgress: (rows: number) => void,
    /** When given, each query's EXPLAIN ANALYZE first (it runs twice: diagnostics only). */
    private readonly explain?: (plan: string) => void,
  ) {}

  /** Matches the staged rows, whose figures the load summed (all zero without a statement). */
  async run(figures: StatementFigures): Promise<MatchTotals> {
    const [statementSide, ledgerSide] = matchQueries(this.input);
    const t = this.totals;
    t.statementRows = figures.rows;
    t.statementPaymentCount = figures.paymentCount;
    t.statementPaymentMinor = figures.paymentMinor;
    t.statementRefundCount = figures.refundCount;
    t.statementRefundMinor = figures.refundMinor;
    t.statementFeeMinor = figures.feeMinor;
    // Every row is matched but those streamed back (classified one by one below).
    t.matchedCount = t.statementRows;
    t.matchedMinor = t.statementPaymentMinor + t.statementRefundMinor;
    this.onProgress(0);
    this.named = { PAYMENT: new Named(figures.paymentCount), REFUND: new Named(figures.refundCount) };
    if (figures.rows > 0)
      await this.stream('recon_statement_side', statementSide.text, statementSide.params, (r) =>
        this.statementRow(r),
      );
    const i = this.input;
    const allNamed =
      this.named.PAYMENT.count() === i.ledgerPaymentCount &&
      this.named.REFUND.count() === i.ledgerRefundCount;
    if (!allNamed || this.explain !== undefined)
      await this.stream('recon_ledger_side', ledgerSide.text, ledgerSide.params, (r) => this.ledgerRow(r));
    await this.flush();
    this.onProgress(t.statementRows);
    return this.totals;
  }

  /**
   * Runs the query into a temporary table (the pairs that differ: few), then reads that through a
   * cursor in batches. The table goes with the run.
   */
  private async stream(
    name: string,
    query: string,
    params: unknown[],
    each: (row: Row) => void,
  ): Promise<void> {
    if (this.explain !== undefined) {
      const plan = await this.client.query<{ 'QUERY PLAN': string }>(
        `explain (analyze, buffers) create temporary table ${quoteIdent(`${name}_explain`)} as ${query}`,
        params,
      );
      this.explain(`${name}:\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
      await this.client.query(`drop table ${quoteIdent(`${name}_explain`)}`);
    }
    const table = quoteIdent(`${name}_${this.input.runId}`);
    await this.client.query(`create temporary table ${table} as ${query}`, params);
    await this.client.query(`declare ${name} no scroll cursor for select * from ${table}`);
    for (;;) {
      const batch = await this.client.query<Row>(`fetch ${FETCH} from ${name}`);
      for (const row of batch.rows) each(row);
      if (this.items.length >= INSERT_BATCH) await this.flush();
      if (batch.rows.length < FETCH) break;
    }
    await this.client.query(`close ${name}`);
    await this.client.query(`drop table ${table}`);
  }

  private context(openTiming: boolean): PairContext {
    const i = this.input;
    return {
      dayStart: i.dayStart,
      dayEnd: i.dayEnd,
      openTiming,
      feeRateBps: i.feeRateBps,
      timingWindowMs: i.timingWindowMs,
    };
  }

  /** A pair that is not an exact match: taken out of the matched figures, then classified. */
  private statementRow(r: Row): void {
    const t = this.totals;
    const kind = String(r['kind']) as Kind;
    const amount = big(r['amount_minor']);
    const fee = big(r['fee_minor']);
    t.matchedCount--;
    t.matchedMinor -= amount;
    const s: StatementFacts = {
      kind,
      amountMinor: amount,
      feeMinor: fee,
      status: String(r['provider_status']),
      duplicate: r['duplicate'] === true,
    };
    const ledger: LedgerFacts | null =
      r['ledger_id'] === null
        ? null
        : {
            kind,
            amountMinor: big(r['ledger_amount']),
            status: String(r['ledger_status']),
            settledAt: time(r['ledger_settled_at']),
          };
    const i = this.input;
    this.named[kind].add(
      !s.duplicate &&
        ledger !== null &&
        (kind === 'PAYMENT' || ledger.status === 'SUCCEEDED') &&
        ledger.settledAt !== null &&
        ledger.settledAt >= i.dayStart &&
        ledger.settledAt < i.dayEnd,
    );
    const verdict = classify(s, ledger, this.context(r['open_timing'] === true));
    this.record(verdict, kind, String(r['match_key']), amount, {
      outTradeNo: text(r['out_trade_no']),
      transactionId: text(r['transaction_id']),
      providerRefundId: text(r['provider_refund_id']),
      statementLine: Number(r['line_no']),
      statementAmountMinor: amount,
      statementStatus: s.status,
      statementFeeMinor: fee,
      statementAt: time(r['occurred_at']),
      ledgerPaymentId: text(r['payment_id']),
      ledgerRefundId: text(r['refund_id']),
      ledgerAmountMinor: ledger?.amountMinor ?? null,
      ledgerStatus: ledger?.status ?? null,
      ledgerAt: ledger?.settledAt ?? null,
      currency: String(r['currency']),
    });
  }

  private ledgerRow(r: Row): void {
    const kind = String(r['kind']) as Kind;
    const amount = big(r['amount_minor']);
    const l: LedgerFacts = {
      kind,
      amountMinor: amount,
      status: String(r['status']),
      settledAt: time(r['settled_at']),
    };
    const verdict = classify(null, l, this.context(r['open_timing'] === true));
    this.record(verdict, kind, String(r['match_key']), amount, {
      outTradeNo: text(r['out_trade_no']),
      transactionId: text(r['provider_transaction_id']),
      providerRefundId: text(r['provider_refund_id']),
      statementLine: null,
      statementAmountMinor: null,
      statementStatus: null,
      statementFeeMinor: null,
      statementAt: null,
      ledgerPaymentId: text(r['payment_id']),
      ledgerRefundId: text(r['refund_id']),
      ledgerAmountMinor: amount,
      ledgerStatus: l.status,
      ledgerAt: l.settledAt,
      currency: String(r['currency']),
    });
  }

  private record(
    verdict: Verdict,
    kind: Kind,
    matchKey: string,
    amount: bigint,
    facts: Omit<
      ItemRow,
      'category' | 'kind' | 'matchKey' | 'amountMinor' | 'clearingDeltaMinor' | 'detail' | 'expectedFeeMinor'
    >,
  ): void {
    const t = this.totals;
    if (verdict.outcome === 'MATCHED') {
      t.matchedCount++;
      t.matchedMinor += amount;
      if (verdict.closesTiming) {
        t.timingClosed.kinds.push(kind);
        t.timingClosed.keys.push(matchKey);
      }
      return;
    }
    t.discrepancies++;
    this.items.push({
      ...facts,
      category: verdict.category,
      kind,
      matchKey,
      amountMinor: verdict.amountMinor,
      clearingDeltaMinor: verdict.clearingDeltaMinor,
      detail: verdict.detail.slice(0, 300),
      // FEE_MISMATCH's clearing delta is agreed − charged.
      expectedFeeMinor:
        verdict.category === 'FEE_MISMATCH' && facts.statementFeeMinor !== null
          ? facts.statementFeeMinor + verdict.clearingDeltaMinor
          : null,
    });
  }

  private async flush(): Promise<void> {
    const items = this.items.splice(0);
    for (let at = 0; at < items.length; at += INSERT_BATCH)
      await this.insert(items.slice(at, at + INSERT_BATCH));
  }

  private async insert(items: readonly ItemRow[]): Promise<void> {
    if (items.length === 0) return;
    const params: unknown[] = [];
    const tuples = items.map((it) => {
      const values = [
        newId('rci'),
        this.input.runId,
        this.input.provider,
        this.input.billDate,
        it.category,
        it.kind,
        it.matchKey.slice(0, 64),
        it.outTradeNo,
        it.transactionId,
        it.providerRefundId,
        it.statementLine,
        it.statementAmountMinor,
        it.statementStatus,
        it.statementFeeMinor,
        it.expectedFeeMinor,
        it.statementAt,
        it.ledgerPaymentId,
        it.ledgerRefundId,
        it.ledgerAmountMinor,
        it.ledgerStatus,
        it.ledgerAt,
        it.currency,
        it.amountMinor,
        it.clearingDeltaMinor,
        it.detail,
      ];
      return `(${values.map((v) => `$${params.push(v)}`).join(', ')}, 'OPEN')`;
    });
    await this.client.query(
      `insert into recon_item (id, run_id, provider, bill_date, category, kind, match_key, out_trade_no, transaction_id,
         provider_refund_id, statement_line, statement_amount_minor, statement_status, statement_fee_minor,
         expected_fee_minor, statement_at, ledger_payment_id, ledger_refund_id, ledger_amount_minor, ledger_status,
         ledger_at, currency, amount_minor, clearing_delta_minor, detail, status)
       values ${tuples.join(', ')}`,
      params,
    );
  }
}
