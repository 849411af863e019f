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
  csvRecords,
  type ByteSource,
  decimalOrNull,
  shanghaiTimeOrNull,
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

/** Parses a decoded (gunzipped) trade bill from a byte or text stream. */
export async function* parseTradeBill(source: ByteSource): StatementParse {
  let layout: Layout | null = null;
  let sums: bigint[] = [];
  let count = 0;
  let summaryHeader: CsvRecord | null = null;
  const totals = (): Map<string, bigint> => new Map(layout!.summed.map((s, i) => [s.name, sums[i]!]));
  for await (const batch of csvRecords(source, WHAT)) {
    const lines: StatementLine[] = [];
    for (const r of batch) {
      if (summaryHeader !== null) {
        if (lines.length > 0) yield lines;
        return checkSummary(summaryHeader, r, totals(), count);
      }
      if (layout === null) {
        layout = layoutOf(r.cells);
        sums = layout.summed.map(() => 0n);
        continue;
      }
      if (clean(r.cells[0]) === '总交易单数') {
        summaryHeader = r;
        continue;
      }
      const values = layout.summed.map((s, i) => {
        const v = parseDecimal(clean(r.cells[s.at]), s.scale, s.name.replace('总', ''), r.line);
        sums[i]! += v;
        return v;
      });
      count++;
      lines.push(toLine(r, layout, values));
    }
    if (lines.length > 0) yield lines;
  }
  if (layout === null) throw new StatementFormatError(`${WHAT}: empty file`, null);
  if (summaryHeader !== null) return checkSummary(summaryHeader, null, totals(), count);
  throw new StatementFormatError(`${WHAT}: summary section missing (truncated file?)`, null);
}

function toLine(r: CsvRecord, l: Layout, summed: readonly bigint[]): StatementLine {
  const cell = (i: number | null): string => (i === null ? '' : clean(r.cells[i]));
  const id = (i: number | null): string | null => {
    const v = cell(i);
    return v === '' || v === '0' ? null : v;
  };
  /** A column's value: as parsed for the sums when it is summed, else parsed here. */
  const decimal = (at: number, already: number, scale: number, what: string): bigint =>
    already >= 0 ? summed[already]! : parseDecimal(cell(at), scale, what, r.line);
  const isRefund = cell(l.tradeStatus) === 'REFUND';
  const amountAt = isRefund ? l.refundAmount : l.orderAmount;
  if (amountAt === null)
    throw new StatementFormatError(`${WHAT}: refund row without a refund amount`, r.line);
  const occurredAt = shanghaiTimeOrNull(cell(l.time));
  if (occurredAt === null) throw new StatementFormatError(`bad 交易时间 '${cell(l.time)}'`, r.line);
  return {
    kind: isRefund ? 'REFUND' : 'PAYMENT',
    providerTransactionId: cell(l.transactionId),
    outTradeNo: cell(l.outTradeNo),
    refundId: isRefund ? id(l.outRefundNo) : null,
    providerRefundId: isRefund ? id(l.refundId) : null,
    amountMinor: isRefund
      ? decimal(amountAt, l.summedAt.refundAmount, 2, '退款金额')
      : decimal(amountAt, l.summedAt.orderAmount, 2, '订单金额'),
    currency: cell(l.currency) || 'CNY',
    fee: { value: decimal(l.fee, l.summedAt.fee, 5, '手续费'), scale: 5 },
    providerStatus: isRefund ? (id(l.refundStatus) ?? 'REFUND') : cell(l.tradeStatus),
    occurredAt,
    sourceLine: r.line,
  };
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
