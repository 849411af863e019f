/**
 * Streaming parser for WeChat trade bills (PROTOCOLS A4.4): UTF-8 text (BOM, CRLF or LF), a plain
 * header, backtick-prefixed detail rows, then a plain summary header and one summary row. Columns are
 * mapped by header name (extra columns ignored); the summary is mapped by name too and cross-checked
 * against running sums of the rows. Pure: bytes in, lines out.
 */
import {
  StatementFormatError,
  type StatementLine,
  type StatementParse,
  type StatementSummary,
} from '../payment-provider.js';
import {
  Columns,
  csvLines,
  type ByteSource,
  type CsvLines,
  decimalOrNull,
  decimalUnitsAt,
  isTrimmed,
  shanghaiTimeAt,
  type CsvRecord,
} from '../statement-csv.js';

const WHAT = 'wechatpay bill';

const clean = (cell: string | undefined): string =>
  cell === undefined ? '' : (cell.charCodeAt(0) === 0x60 ? cell.slice(1) : cell).trim();

/** Decimal text → integer units of 10^-scale; accepts `45`, `45.0`, `-0.02000`; rejects extra precision. */
export function parseDecimal(text: string, scale: number, what: string, line: number | null = null): bigint {
  const v = decimalOrNull(text, scale);
  if (v === null) throw new StatementFormatError(`${what}: '${text}' is not an amount`, line);
  return v;
}

/** Summary columns and the detail column each one sums (with its scale). */
const SUMMED: readonly (readonly [string, string, number])[] = [
  ['应结订单总金额', '应结订单金额', 2],
  ['退款总金额', '退款金额', 2],
  ['充值券退款总金额', '充值券退款金额', 2],
  ['手续费总金额', '手续费', 5],
  ['订单总金额', '订单金额', 2],
  ['申请退款总金额', '申请退款金额', 2],
];

interface Layout {
  readonly time: number;
  readonly transactionId: number;
  readonly outTradeNo: number;
  readonly tradeStatus: number;
  readonly orderAmount: number;
  readonly fee: number;
  readonly currency: number | null;
  readonly refundId: number | null;
  readonly outRefundNo: number | null;
  readonly refundStatus: number | null;
  /** Refund amount: 申请退款金额 when present, else 退款金额. */
  readonly refundAmount: number | null;
  readonly summed: readonly { readonly name: string; readonly at: number; readonly scale: number }[];
  /** Where the order amount, the refund amount and the fee are among `summed` (parsed once), or -1. */
  readonly summedAt: { readonly orderAmount: number; readonly refundAmount: number; readonly fee: number };
}

function layoutOf(header: readonly string[]): Layout {
  const c = new Columns(header.map(clean), `${WHAT} header`);
  const summed = SUMMED.flatMap(([name, column, scale]) => {
    const at = c.optional(column);
    return at === null ? [] : [{ name, at, scale }];
  });
  const orderAmount = c.at('订单金额');
  const fee = c.at('手续费');
  const refundAmount = c.optional('申请退款金额') ?? c.optional('退款金额');
  const summedAt = (at: number | null, scale: number): number =>
    summed.findIndex((s) => s.at === at && s.scale === scale);
  return {
    time: c.at('交易时间'),
    transactionId: c.at('微信订单号'),
    outTradeNo: c.at('商户订单号'),
    tradeStatus: c.at('交易状态'),
    orderAmount,
    fee,
    currency: c.optional('货币种类'),
    refundId: c.optional('微信退款单号'),
    outRefundNo: c.optional('商户退款单号'),
    refundStatus: c.optional('退款状态'),
    refundAmount,
    summed,
    summedAt: {
      orderAmount: summedAt(orderAmount, 2),
      refundAmount: summedAt(refundAmount, 2),
      fee: summedAt(fee, 5),
    },
  };
}

/**
 * A running sum of decimals read as numbers (`decimalUnitsAt`: each below 10^15), carried into a
 * bigint before it could pass 2^53: exact, with no bigint per value.
 */
class Sum {
  private big = 0n;
  private small = 0;
  add(units: number): void {
    this.small += units;
    if (this.small > 2 ** 52 || this.small < -(2 ** 52)) this.flush();
  }
  addBig(units: bigint): void {
    this.big += units;
  }
  value(): bigint {
    this.flush();
    return this.big;
  }
  private flush(): void {
    this.big += BigInt(this.small);
    this.small = 0;
  }
}

/** Parses a decoded (gunzipped) trade bill from a byte or text stream. */
export async function* parseTradeBill(source: ByteSource): StatementParse {
  let layout: Layout | null = null;
  let row: Row | null = null;
  let sums: Sum[] = [];
  let count = 0;
  let summaryHeader: CsvRecord | null = null;
  const totals = (): Map<string, bigint> => new Map(layout!.summed.map((s, i) => [s.name, sums[i]!.value()]));
  for await (const cur of csvLines(source, WHAT)) {
    const lines: StatementLine[] = [];
    while (cur.next()) {
      if (summaryHeader !== null) {
        if (lines.length > 0) yield lines;
        return checkSummary(summaryHeader, { cells: cur.cells(), line: cur.line }, totals(), count);
      }
      if (layout === null) {
        layout = layoutOf(cur.cells());
        row = new Row(layout);
        sums = layout.summed.map(() => new Sum());
        continue;
      }
      row!.read(cur);
      if (row!.is(0, '总交易单数')) {
        summaryHeader = { cells: cur.cells(), line: cur.line };
        continue;
      }
      row!.sum(sums);
      count++;
      lines.push(row!.toLine());
    }
    if (lines.length > 0) yield lines;
  }
  if (layout === null) throw new StatementFormatError(`${WHAT}: empty file`, null);
  if (summaryHeader !== null) return checkSummary(summaryHeader, null, totals(), count);
  throw new StatementFormatError(`${WHAT}: summary section missing (truncated file?)`, null);
}

/**
 * The detail row under the cursor, read in place: a cell as `clean` gives it is a range of the line's
 * text (the backtick and white space left out), sliced only when its text is needed; amounts are read
 * as numbers where they fit, as bigints (`parseDecimal`, which also reports a malformed one) where not.
 */
class Row {
  private cur!: CsvLines;
  private from = 0;
  private to = 0;
  /** The summed columns' values of this row: a number, or NaN and the bigint in `bigs`. */
  private readonly units: Float64Array;
  private readonly bigs: bigint[];

  constructor(private readonly l: Layout) {
    this.units = new Float64Array(l.summed.length);
    this.bigs = l.summed.map(() => 0n);
  }

  read(cur: CsvLines): void {
    this.cur = cur;
  }

  /** Puts the range of cell i, cleaned, in from/to. */
  private at(i: number | null): void {
    if (i === null) {
      this.from = this.to = 0;
      return;
    }
    const text = this.cur.text;
    let from = this.cur.start(i);
    let to = this.cur.end(i);
    if (from < to && text.charCodeAt(from) === 0x60) from++;
    while (from < to && isTrimmed(text.charCodeAt(from))) from++;
    while (to > from && isTrimmed(text.charCodeAt(to - 1))) to--;
    this.from = from;
    this.to = to;
  }

  /** `clean(cells[i])`. */
  cell(i: number | null): string {
    this.at(i);
    return this.cur.text.slice(this.from, this.to);
  }

  /** `clean(cells[i]) === value`, without slicing. */
  is(i: number | null, value: string): boolean {
    this.at(i);
    return this.to - this.from === value.length && this.cur.text.startsWith(value, this.from);
  }

  /** Parses every summed column of the row (a malformed one throws with the line) and adds it to its sum. */
  sum(sums: readonly Sum[]): void {
    const summed = this.l.summed;
    for (let k = 0; k < summed.length; k++) {
      const s = summed[k]!;
      this.at(s.at);
      const units = decimalUnitsAt(this.cur.text, this.from, this.to, s.scale);
      this.units[k] = units;
      if (!Number.isNaN(units)) {
        sums[k]!.add(units);
      } else {
        const v = parseDecimal(
          this.cur.text.slice(this.from, this.to),
          s.scale,
          s.name.replace('总', ''),
          this.cur.line,
        );
        this.bigs[k] = v;
        sums[k]!.addBig(v);
      }
    }
  }

  /** A column's value: as parsed for the sums when it is summed (k ≥ 0), else parsed here. */
  private decimal(at: number, k: number, scale: number, what: string): bigint {
    if (k >= 0) {
      const units = this.units[k]!;
      return !Number.isNaN(units) ? BigInt(units) : this.bigs[k]!;
    }
    return parseDecimal(this.cell(at), scale, what, this.cur.line);
  }

  private id(i: number | null): string | null {
    const v = this.cell(i);
    return v === '' || v === '0' ? null : v;
  }

  toLine(): StatementLine {
    const l = this.l;
    const line = this.cur.line;
    const isRefund = this.is(l.tradeStatus, 'REFUND');
    const amountAt = isRefund ? l.refundAmount : l.orderAmount;
    if (amountAt === null)
      throw new StatementFormatError(`${WHAT}: refund row without a refund amount`, line);
    this.at(l.time);
    const occurredAt = shanghaiTimeAt(this.cur.text, this.from, this.to);
    if (occurredAt === null) throw new StatementFormatError(`bad 交易时间 '${this.cell(l.time)}'`, line);
    return {
      kind: isRefund ? 'REFUND' : 'PAYMENT',
      providerTransactionId: this.cell(l.transactionId),
      outTradeNo: this.cell(l.outTradeNo),
      refundId: isRefund ? this.id(l.outRefundNo) : null,
      providerRefundId: isRefund ? this.id(l.refundId) : null,
      amountMinor: isRefund
        ? this.decimal(amountAt, l.summedAt.refundAmount, 2, '退款金额')
        : this.decimal(amountAt, l.summedAt.orderAmount, 2, '订单金额'),
      currency: this.cell(l.currency) || 'CNY',
      fee: { value: this.decimal(l.fee, l.summedAt.fee, 5, '手续费'), scale: 5 },
      providerStatus: isRefund ? (this.id(l.refundStatus) ?? 'REFUND') : this.cell(l.tradeStatus),
      occurredAt,
      sourceLine: line,
    };
  }
}

/** Every summary column present must equal the sum of its detail column; the count, the row count. */
function checkSummary(
  header: CsvRecord,
  row: CsvRecord | null,
  sums: ReadonlyMap<string, bigint>,
  count: number,
): StatementSummary {
  if (row === null) throw new StatementFormatError(`${WHAT}: summary row missing`, header.line);
  const c = new Columns(header.cells.map(clean), `${WHAT} summary header`);
  const value = (name: string, scale: number): bigint =>
    parseDecimal(clean(row.cells[c.at(name)]), scale, name, row.line);
  const stated = value('总交易单数', 0);
  if (stated !== BigInt(count))
    throw new StatementFormatError(`${WHAT}: summary count ${stated} ≠ ${count} rows`, row.line);
  for (const [name, actual] of sums) {
    if (!c.has(name)) continue;
    const scale = SUMMED.find(([n]) => n === name)?.[2] ?? 2;
    const expected = value(name, scale);
    if (expected !== actual)
      throw new StatementFormatError(`${WHAT}: summary ${name} ${expected} ≠ rows ${actual}`, row.line);
  }
  const total = (name: string, scale: number): bigint => (c.has(name) ? value(name, scale) : 0n);
  return {
    count,
    paymentTotalMinor: total('订单总金额', 2),
    refundTotalMinor: c.has('申请退款总金额') ? total('申请退款总金额', 2) : total('退款总金额', 2),
  };
}
