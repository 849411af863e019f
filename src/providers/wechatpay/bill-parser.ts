/**
 * Parser for WeChat trade bills (A4.4) with csv-parse: BOM stripped by the caller or here, CRLF or LF,
 * backtick-prefixed fields, columns mapped by header name (new columns are ignored), summary mapped by
 * header name and cross-checked against the rows. Pure: no I/O.
 */
import { parse } from 'csv-parse/sync';
import { ProviderError, type StatementLine, type StatementSummary } from '../payment-provider.js';

export interface ParsedTradeBill {
  readonly lines: StatementLine[];
  readonly summary: StatementSummary;
}

const corrupt = (why: string): ProviderError =>
  new ProviderError('STATEMENT_CORRUPT', `wechatpay bill: ${why}`);

const clean = (cell: string | undefined): string => (cell ?? '').replace(/^`/, '').trim();

/** Decimal text → integer units of 10^-scale; accepts `45`, `45.0`, `-0.02000`; rejects extra precision. */
export function parseDecimal(text: string, scale: number, what: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw corrupt(`${what}: '${text}' is not a number`);
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (frac.length > scale) throw corrupt(`${what}: '${text}' has more than ${scale} decimals`);
  const v = BigInt(m[2] ?? '0') * 10n ** BigInt(scale) + BigInt(frac.padEnd(scale, '0') || '0');
  return m[1] === '-' ? -v : v;
}

function parseBeijingTime(text: string, line: number): Date {
  const d = new Date(`${text.replace(' ', 'T')}+08:00`);
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text) || Number.isNaN(d.getTime()))
    throw corrupt(`line ${line}: bad time '${text}'`);
  return d;
}

interface Record_ {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

export function parseTradeBill(text: string): ParsedTradeBill {
  const body = text.replace(/^\uFEFF/, '');
  let records: Record_[];
  try {
    records = parse(body, {
      relax_column_count: true,
      skip_empty_lines: true,
      quote: false,
      info: true,
      trim: false,
    }) as unknown as Record_[];
  } catch (err) {
    throw corrupt(`unparseable CSV: ${(err as Error).message}`);
  }
  const [headerRec, ...rest] = records;
  if (!headerRec) throw corrupt('empty file');
  const header = headerRec.record.map(clean);
  const summaryAt = rest.findIndex((r) => clean(r.record[0]) === '总交易单数');
  if (summaryAt < 0) throw corrupt('summary section missing');
  const details = rest.slice(0, summaryAt);
  const summaryHeader = rest[summaryAt]?.record.map(clean) ?? [];
  const summaryRow = rest[summaryAt + 1];
  if (!summaryRow) throw corrupt('summary row missing');
  const col = indexer(header, 'header');
  for (const name of ['交易时间', '微信订单号', '商户订单号', '交易状态', '订单金额', '手续费']) col(name);
  const lines = details.map((r) => toLine(r, col));
  const summary = checkSummary(details, col, summaryHeader, summaryRow);
  if (summary.count !== lines.length) throw corrupt(`summary count ${summary.count} ≠ ${lines.length} rows`);
  return { lines, summary };
}

type Col = (name: string) => number;

function indexer(header: readonly string[], what: string): Col {
  return (name) => {
    const i = header.indexOf(name);
    if (i < 0) throw corrupt(`${what} lacks column ${name}`);
    return i;
  };
}

function has(col: Col, name: string): boolean {
  try {
    col(name);
    return true;
  } catch {
    return false;
  }
}

const cell = (r: Record_, col: Col, name: string): string => clean(r.record[col(name)]);

function toLine(r: Record_, col: Col): StatementLine {
  const line = r.info.lines;
  const isRefund = cell(r, col, '交易状态') === 'REFUND';
  const refundCell = (name: string): string | null => {
    const v = has(col, name) ? cell(r, col, name) : '';
    return v === '' || v === '0' ? null : v;
  };
  const amountCol = isRefund ? (has(col, '申请退款金额') ? '申请退款金额' : '退款金额') : '订单金额';
  return {
    kind: isRefund ? 'REFUND' : 'PAYMENT',
    providerTransactionId: cell(r, col, '微信订单号'),
    outTradeNo: cell(r, col, '商户订单号'),
    refundId: isRefund ? refundCell('商户退款单号') : null,
    providerRefundId: isRefund ? refundCell('微信退款单号') : null,
    amountMinor: parseDecimal(cell(r, col, amountCol), 2, `line ${line} ${amountCol}`),
    currency: has(col, '货币种类') ? cell(r, col, '货币种类') || 'CNY' : 'CNY',
    fee: { value: parseDecimal(cell(r, col, '手续费'), 5, `line ${line} 手续费`), scale: 5 },
    providerStatus: isRefund ? (refundCell('退款状态') ?? 'REFUND') : cell(r, col, '交易状态'),
    occurredAt: parseBeijingTime(cell(r, col, '交易时间'), line),
    sourceLine: line,
  };
}

/** Recomputes each summary column present from the rows; any difference means the file is not trustworthy. */
function checkSummary(
  details: readonly Record_[],
  col: Col,
  summaryHeader: readonly string[],
  summaryRow: Record_,
): StatementSummary {
  const scol = indexer(summaryHeader, 'summary header');
  const sval = (name: string): string => clean(summaryRow.record[scol(name)]);
  const count = parseDecimal(sval('总交易单数'), 0, '总交易单数');
  const pairs: readonly [string, string, number][] = [
    ['应结订单总金额', '应结订单金额', 2],
    ['退款总金额', '退款金额', 2],
    ['充值券退款总金额', '充值券退款金额', 2],
    ['手续费总金额', '手续费', 5],
    ['订单总金额', '订单金额', 2],
    ['申请退款总金额', '申请退款金额', 2],
  ];
  const totals = new Map<string, bigint>();
  for (const [sumName, colName, scale] of pairs) {
    if (!summaryHeader.includes(sumName) || !has(col, colName)) continue;
    const expected = parseDecimal(sval(sumName), scale, sumName);
    const actual = details.reduce(
      (s, r) => s + parseDecimal(cell(r, col, colName), scale, `line ${r.info.lines} ${colName}`),
      0n,
    );
    if (expected !== actual) throw corrupt(`summary ${sumName} ${expected} ≠ rows ${actual}`);
    totals.set(sumName, expected);
  }
  return {
    count: Number(count),
    paymentTotalMinor: totals.get('订单总金额') ?? 0n,
    refundTotalMinor: totals.get('申请退款总金额') ?? totals.get('退款总金额') ?? 0n,
  };
}
