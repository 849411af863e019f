/**
 * Read side for finance: runs with their figures, discrepancies (filters, keyset pages), the category
 * breakdown, aging of unresolved items and the per-day trend. Reads only reconciliation's own tables.
 */
import { sqlOnPool, type Orm, type Sql, type TableRow } from '../src/db/index.js';
import type { ReconFile } from './recon-file.entity.js';
import type { ReconItem } from './recon-item.entity.js';
import type { ReconRun } from './recon-run.entity.js';
import { ReconError } from './recon.errors.js';
import {
  ageBucket,
  shanghaiDate,
  type AgeBucket,
  type DiscrepancyFacts,
  type ReconCategory,
  type ReconProvider,
} from './recon.model.js';

export interface RunView {
  readonly id: string;
  readonly provider: ReconProvider;
  readonly billDate: string;
  readonly status: string;
  readonly trigger: string;
  readonly requestedBy: string;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly errorLine: number | null;
  readonly fileId: string | null;
  readonly fileName: string | null;
  readonly fileSha256: string | null;
  readonly currency: string;
  readonly figures: Readonly<Record<string, bigint>>;
  readonly counts: Readonly<Record<string, number>>;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly supersededAt: Date | null;
  readonly supersededBy: string | null;
}

export interface CategoryFigure {
  readonly category: ReconCategory;
  readonly count: number;
  readonly amountMinor: bigint;
  readonly open: number;
  readonly clearingDeltaMinor: bigint;
}

/** A discrepancy as finance sees it: its facts, the run it belongs to, and its resolution. */
export interface ItemView extends DiscrepancyFacts {
  readonly id: string;
  readonly runId: string;
  readonly provider: ReconProvider;
  readonly billDate: string;
  readonly status: string;
  readonly resolution: string | null;
  readonly resolutionNote: string | null;
  readonly resolvedBy: string | null;
  readonly resolvedAt: Date | null;
  readonly adjustmentEntryId: string | null;
  readonly linkedType: string | null;
  readonly linkedId: string | null;
  readonly ageDays: number;
  readonly ageBucket: AgeBucket;
}

export interface RunFilter {
  readonly provider?: ReconProvider | null;
  readonly from?: string | null;
  readonly to?: string | null;
  readonly status?: string | null;
  /** Superseded runs (history) too; default only the current run of each date and failed attempts. */
  readonly includeSuperseded?: boolean | null;
}

export interface ItemFilter {
  readonly runId?: string | null;
  readonly provider?: ReconProvider | null;
  readonly category?: ReconCategory | null;
  readonly status?: string | null;
  readonly minAgeDays?: number | null;
  readonly maxAgeDays?: number | null;
}

export interface Page {
  readonly first: number;
  readonly after: readonly (string | number)[] | null;
}

export interface TrendDay {
  readonly billDate: string;
  readonly provider: ReconProvider;
  readonly runId: string | null;
  readonly matchedCount: number;
  readonly matchedMinor: bigint;
  readonly discrepancyCount: number;
  readonly discrepancyMinor: bigint;
  readonly unresolvedCount: number;
}

export interface AgingBucket {
  readonly bucket: AgeBucket;
  readonly count: number;
  readonly amountMinor: bigint;
}

const FIGURES = [
  'statement_payment_minor',
  'statement_refund_minor',
  'statement_fee_minor',
  'ledger_payment_minor',
  'ledger_refund_minor',
  'matched_minor',
  'clearing_opening_minor',
  'clearing_debit_minor',
  'clearing_credit_minor',
  'clearing_closing_minor',
] as const;
const COUNTS = [
  'statement_rows',
  'statement_payment_count',
  'statement_refund_count',
  'ledger_payment_count',
  'ledger_refund_count',
  'matched_count',
  'timing_closed_count',
] as const;

/** A `recon_run` row read whole, with its file's name and hash (left join: null without a file). */
type RunRow = TableRow<
  ReconRun,
  | 'id'
  | 'provider'
  | 'billDate'
  | 'status'
  | 'file'
  | 'trigger'
  | 'requestedBy'
  | 'errorCode'
  | 'errorMessage'
  | 'errorLine'
  | 'currency'
  | 'statementRows'
  | 'statementPaymentCount'
  | 'statementPaymentMinor'
  | 'statementRefundCount'
  | 'statementRefundMinor'
  | 'statementFeeMinor'
  | 'ledgerPaymentCount'
  | 'ledgerPaymentMinor'
  | 'ledgerRefundCount'
  | 'ledgerRefundMinor'
  | 'matchedCount'
  | 'matchedMinor'
  | 'timingClosedCount'
  | 'clearingOpeningMinor'
  | 'clearingDebitMinor'
  | 'clearingCreditMinor'
  | 'clearingClosingMinor'
  | 'startedAt'
  | 'finishedAt'
  | 'supersededAt'
  | 'supersededBy'
> & { [C in keyof TableRow<ReconFile, 'fileName' | 'sha256'>]: string | null };

/** A `recon_item` row read whole. */
type ItemRow = TableRow<
  ReconItem,
  | 'id'
  | 'run'
  | 'provider'
  | 'billDate'
  | 'category'
  | 'kind'
  | 'matchKey'
  | 'outTradeNo'
  | 'transactionId'
  | 'providerRefundId'
  | 'statementLine'
  | 'statementAmountMinor'
  | 'statementStatus'
  | 'statementFeeMinor'
  | 'expectedFeeMinor'
  | 'statementAt'
  | 'ledgerPaymentId'
  | 'ledgerRefundId'
  | 'ledgerAmountMinor'
  | 'ledgerStatus'
  | 'ledgerAt'
  | 'currency'
  | 'amountMinor'
  | 'clearingDeltaMinor'
  | 'detail'
  | 'status'
  | 'resolution'
  | 'resolutionNote'
  | 'resolvedBy'
  | 'resolvedAt'
  | 'adjustmentEntryId'
  | 'linkedType'
  | 'linkedId'
>;

const str = (v: string | null | undefined): string | null => v ?? null;
const big = (v: unknown): bigint => BigInt(v as string);
const bigOrNull = (v: unknown): bigint | null => (v === null || v === undefined ? null : big(v));
const date = (v: unknown): Date => (v instanceof Date ? v : new Date(v as string));
const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : date(v));
const intOrNull = (v: number | null | undefined): number | null => (v == null ? null : Number(v));
/** A `date` column: node-postgres makes it a Date at local midnight of that calendar day. */
const day = (v: unknown): string =>
  v instanceof Date
    ? `${v.getFullYear()}-${String(v.getMonth() + 1).padStart(2, '0')}-${String(v.getDate()).padStart(2, '0')}`
    : (v as string).slice(0, 10);

/** Days from a bill date to today (Asia/Shanghai). */
export function ageDays(billDate: string, now: Date): number {
  return Math.max(0, Math.round((Date.parse(shanghaiDate(now)) - Date.parse(billDate)) / 86_400_000));
}

function toRun(r: RunRow): RunView {
  return {
    id: r.id,
    provider: r.provider as ReconProvider,
    billDate: day(r.bill_date),
    status: r.status,
    trigger: r.trigger,
    requestedBy: r.requested_by,
    errorCode: str(r.error_code),
    errorMessage: str(r.error_message),
    errorLine: intOrNull(r.error_line),
    fileId: str(r.file_id),
    fileName: r.file_name,
    fileSha256: r.sha256,
    currency: r.currency,
    figures: Object.fromEntries(FIGURES.map((f) => [f, big(r[f])])),
    counts: Object.fromEntries(COUNTS.map((c) => [c, Number(r[c])])),
    startedAt: date(r.started_at),
    finishedAt: date(r.finished_at),
    supersededAt: dateOrNull(r.superseded_at),
    supersededBy: str(r.superseded_by),
  };
}

function toItem(r: ItemRow, now: Date): ItemView {
  const billDate = day(r.bill_date);
  const age = ageDays(billDate, now);
  return {
    id: r.id,
    runId: r.run_id,
    provider: r.provider as ReconProvider,
    billDate,
    category: r.category as ReconCategory,
    kind: r.kind,
    matchKey: r.match_key,
    outTradeNo: str(r.out_trade_no),
    transactionId: str(r.transaction_id),
    providerRefundId: str(r.provider_refund_id),
    statementLine: intOrNull(r.statement_line),
    statementAmountMinor: bigOrNull(r.statement_amount_minor),
    statementStatus: str(r.statement_status),
    statementFeeMinor: bigOrNull(r.statement_fee_minor),
    expectedFeeMinor: bigOrNull(r.expected_fee_minor),
    statementAt: dateOrNull(r.statement_at),
    ledgerPaymentId: str(r.ledger_payment_id),
    ledgerRefundId: str(r.ledger_refund_id),
    ledgerAmountMinor: bigOrNull(r.ledger_amount_minor),
    ledgerStatus: str(r.ledger_status),
    ledgerAt: dateOrNull(r.ledger_at),
    currency: r.currency,
    amountMinor: big(r.amount_minor),
    clearingDeltaMinor: big(r.clearing_delta_minor),
    detail: r.detail,
    status: r.status,
    resolution: str(r.resolution),
    resolutionNote: str(r.resolution_note),
    resolvedBy: str(r.resolved_by),
    resolvedAt: dateOrNull(r.resolved_at),
    adjustmentEntryId: str(r.adjustment_entry_id),
    linkedType: str(r.linked_type),
    linkedId: str(r.linked_id),
    ageDays: age,
    ageBucket: ageBucket(age),
  };
}

const RUN_SELECT = `select r.*, f.file_name, f.sha256 from recon_run r left join recon_file f on f.id = r.file_id`;

/** Items of runs that are not history: the current run of each date. */
const LIVE_ITEMS = `recon_item i join recon_run r on r.id = i.run_id and r.superseded_at is null`;

export class ReconQueries {
  private readonly sql: Sql;
  constructor(orm: Orm) {
    this.sql = sqlOnPool(orm);
  }

  async run(id: string): Promise<RunView | null> {
    const rows = await this.sql.rows<RunRow>(`${RUN_SELECT} where r.id = $1`, [id]);
    return rows[0] === undefined ? null : toRun(rows[0]);
  }

  async requireRun(id: string): Promise<RunView> {
    const run = await this.run(id);
    if (run === null) throw new ReconError('RUN_NOT_FOUND', `no reconciliation run ${id}`);
    return run;
  }

  /** Newest bill date first, then newest attempt. Keyset: (bill_date, started_at, id). */
  async runs(filter: RunFilter, page: Page): Promise<RunView[]> {
    const params: unknown[] = [];
    const $ = (v: unknown): string => `$${params.push(v)}`;
    const where: string[] = [];
    if (filter.provider) where.push(`r.provider = ${$(filter.provider)}`);
    if (filter.from) where.push(`r.bill_date >= ${$(filter.from)}::date`);
    if (filter.to) where.push(`r.bill_date <= ${$(filter.to)}::date`);
    if (filter.status) where.push(`r.status = ${$(filter.status)}`);
    if (!filter.includeSuperseded) where.push(`r.superseded_at is null`);
    if (page.after)
      where.push(
        `(r.bill_date, r.started_at, r.id) < (${$(page.after[0])}::date, ${$(page.after[1])}::timestamptz, ${$(page.after[2])})`,
      );
    const rows = await this.sql.rows<RunRow>(
      `${RUN_SELECT} ${where.length ? `where ${where.join(' and ')}` : ''}
        order by r.bill_date desc, r.started_at desc, r.id desc limit ${$(page.first + 1)}`,
      params,
    );
    return rows.map(toRun);
  }

  async categories(runId: string): Promise<CategoryFigure[]> {
    const rows = await this.sql.rows<{
      category: ReconCategory;
      n: string;
      amount: string;
      open: string;
      delta: string;
    }>(
      `select category, count(*) as n, sum(amount_minor) as amount, count(*) filter (where status = 'OPEN') as open,
              sum(clearing_delta_minor) as delta
         from recon_item where run_id = $1 group by category order by category`,
      [runId],
    );
    return rows.map((r) => ({
      category: r.category,
      count: Number(r.n),
      amountMinor: big(r.amount),
      open: Number(r.open),
      clearingDeltaMinor: big(r.delta),
    }));
  }

  /** Oldest first within a run; across runs newest bill date first. Keyset: (bill_date, id). */
  async items(filter: ItemFilter, page: Page, now: Date): Promise<ItemView[]> {
    const params: unknown[] = [];
    const $ = (v: unknown): string => `$${params.push(v)}`;
    const where: string[] = [];
    const today = shanghaiDate(now);
    // A run's own items even when it is history; otherwise live items only.
    const from = filter.runId ? `recon_item i` : LIVE_ITEMS;
    if (filter.runId) where.push(`i.run_id = ${$(filter.runId)}`);
    if (filter.provider) where.push(`i.provider = ${$(filter.provider)}`);
    if (filter.category) where.push(`i.category = ${$(filter.category)}`);
    if (filter.status) where.push(`i.status = ${$(filter.status)}`);
    if (filter.minAgeDays != null)
      where.push(`i.bill_date <= ${$(today)}::date - ${$(filter.minAgeDays)}::int`);
    if (filter.maxAgeDays != null)
      where.push(`i.bill_date >= ${$(today)}::date - ${$(filter.maxAgeDays)}::int`);
    if (page.after) where.push(`(i.bill_date, i.id) < (${$(page.after[0])}::date, ${$(page.after[1])})`);
    const rows = await this.sql.rows<ItemRow>(
      `select i.* from ${from} ${where.length ? `where ${where.join(' and ')}` : ''}
        order by i.bill_date desc, i.id desc limit ${$(page.first + 1)}`,
      params,
    );
    return rows.map((r) => toItem(r, now));
  }

  async item(id: string, now: Date): Promise<ItemView | null> {
    const rows = await this.sql.rows<ItemRow>(`select * from recon_item where id = $1`, [id]);
    return rows[0] === undefined ? null : toItem(rows[0], now);
  }

  /** Per bill date of the window (oldest first): the current run's matched and discrepancy figures. */
  async trend(provider: ReconProvider, to: string, days: number): Promise<TrendDay[]> {
    const rows = await this.sql.rows<
      { bill_date: unknown; id: string | null; n: string; amount: string; open: string } & Pick<
        RunRow,
        'matched_count' | 'matched_minor'
      >
    >(
      `select d::date as bill_date, r.id, r.matched_count, r.matched_minor,
              (select count(*) from recon_item i where i.run_id = r.id) as n,
              (select coalesce(sum(amount_minor), 0) from recon_item i where i.run_id = r.id) as amount,
              (select count(*) from recon_item i where i.run_id = r.id and i.status = 'OPEN') as open
         from generate_series($2::date - ($3::int - 1), $2::date, interval '1 day') d
         left join recon_run r on r.provider = $1 and r.bill_date = d::date and r.superseded_at is null and r.status <> 'FAILED'
        order by d`,
      [provider, to, days],
    );
    return rows.map((r) => ({
      billDate: day(r.bill_date),
      provider,
      runId: r.id,
      matchedCount: r.id === null ? 0 : Number(r.matched_count),
      matchedMinor: r.id === null ? 0n : big(r.matched_minor),
      discrepancyCount: Number(r.n),
      discrepancyMinor: big(r.amount),
      unresolvedCount: Number(r.open),
    }));
  }

  /** Unresolved items of current runs by age bucket. */
  async aging(provider: ReconProvider | null, now: Date): Promise<AgingBucket[]> {
    const rows = await this.sql.rows<{ age: number; n: string; amount: string }>(
      `select ($1::date - i.bill_date) as age, count(*) as n, sum(i.amount_minor) as amount
         from ${LIVE_ITEMS} where i.status = 'OPEN' and ($2::text is null or i.provider = $2) group by 1`,
      [shanghaiDate(now), provider],
    );
    const out = new Map<AgeBucket, { count: number; amountMinor: bigint }>();
    for (const r of rows) {
      const b = ageBucket(Number(r.age));
      const acc = out.get(b) ?? { count: 0, amountMinor: 0n };
      out.set(b, { count: acc.count + Number(r.n), amountMinor: acc.amountMinor + big(r.amount) });
    }
    return (['D0_1', 'D2_3', 'D4_7', 'D8_30', 'OVER_30'] as const).map((bucket) => ({
      bucket,
      count: out.get(bucket)?.count ?? 0,
      amountMinor: out.get(bucket)?.amountMinor ?? 0n,
    }));
  }
}
