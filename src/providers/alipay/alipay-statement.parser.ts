/**
 * Parses an Alipay trade-bill zip (PROTOCOLS B3): pick the detail CSV by name suffix (names are GBK
 * bytes without the UTF-8 flag), decode GBK, drop `#` lines, parse with csv-parse, trim every field
 * (TAB suffixes), and cross-check the `#交易合计` / `#退款合计` footer against the rows.
 */
import { parse } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import iconv from 'iconv-lite';
import { ProviderError, type StatementLine, type StatementSummary } from '../payment-provider.js';
import { parseBeijingTime, parseYuan } from './alipay-units.js';

export interface ParsedAlipayStatement {
  readonly detailFileName: string;
  readonly lines: readonly StatementLine[];
  readonly summary: StatementSummary;
}

const corrupt = (why: string): ProviderError => new ProviderError('STATEMENT_CORRUPT', `alipay bill: ${why}`);

/** fflate hands names without the UTF-8 flag as latin1 strings: recover the bytes, decode GBK. */
function entryName(raw: string): string {
  return iconv.decode(Buffer.from(raw, 'latin1'), 'gbk');
}

export function extractDetailCsv(zip: Uint8Array): { name: string; text: string } {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (err) {
    throw corrupt(`cannot unzip (${err instanceof Error ? err.message : String(err)})`);
  }
  for (const [raw, data] of Object.entries(files)) {
    const name = entryName(raw);
    if (name.endsWith('.csv') && !name.includes('汇总'))
      return { name, text: iconv.decode(Buffer.from(data), 'gbk') };
  }
  throw corrupt('no detail file (…_业务明细.csv) in the zip');
}

interface Footer {
  readonly tradeCount: number;
  readonly tradeSumMinor: bigint;
  readonly refundCount: number;
  readonly refundSumMinor: bigint;
}

function parseFooter(comments: readonly string[]): Footer {
  const trade = comments.map((l) => /^#交易合计：(\d+)笔，商家实收共(-?[\d.]+)元/.exec(l)).find(Boolean);
  const refund = comments.map((l) => /^#退款合计：(\d+)笔，商家实收退款共(-?[\d.]+)元/.exec(l)).find(Boolean);
  const tradeSum = trade?.[2] === undefined ? null : parseYuan(trade[2]);
  const refundSum = refund?.[2] === undefined ? null : parseYuan(refund[2]);
  if (!trade || !refund || tradeSum === null || refundSum === null)
    throw corrupt('footer (#交易合计/#退款合计) missing or malformed');
  return {
    tradeCount: Number(trade[1]),
    tradeSumMinor: tradeSum,
    refundCount: Number(refund[1]),
    refundSumMinor: refundSum,
  };
}

type Row = Readonly<Record<string, string>>;

function field(row: Row, name: string): string {
  return row[name] ?? '';
}

function money(row: Row, name: string, lineNo: number): bigint {
  const v = parseYuan(field(row, name));
  if (v === null) throw corrupt(`line ${lineNo}: bad amount in ${name}: '${field(row, name)}'`);
  return v;
}

function toLine(row: Row, lineNo: number): StatementLine {
  const type = field(row, '业务类型');
  if (type !== '交易' && type !== '退款') throw corrupt(`line ${lineNo}: unknown 业务类型 '${type}'`);
  const occurredAt = parseBeijingTime(field(row, '完成时间'));
  if (!occurredAt) throw corrupt(`line ${lineNo}: bad 完成时间 '${field(row, '完成时间')}'`);
  const amount = money(row, '订单金额（元）', lineNo);
  const refundNo = field(row, '退款批次号/请求号');
  return {
    kind: type === '交易' ? 'PAYMENT' : 'REFUND',
    providerTransactionId: field(row, '支付宝交易号'),
    outTradeNo: field(row, '商户订单号'),
    refundId: type === '退款' && refundNo ? refundNo : null,
    providerRefundId: null,
    amountMinor: amount < 0n ? -amount : amount,
    currency: 'CNY',
    fee: { value: money(row, '服务费（元）', lineNo), scale: 2 },
    providerStatus: type,
    occurredAt,
    sourceLine: lineNo,
  };
}

/** Parses the decoded detail CSV text; throws STATEMENT_CORRUPT when the footer disagrees with the rows. */
export function parseDetailCsv(text: string): { lines: StatementLine[]; summary: StatementSummary } {
  const all = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const comments = all.filter((l) => l.startsWith('#'));
  const data: { text: string; lineNo: number }[] = [];
  all.forEach((l, i) => {
    if (!l.startsWith('#') && l.trim() !== '') data.push({ text: l, lineNo: i + 1 });
  });
  const header = data.shift();
  if (!header || !header.text.startsWith('支付宝交易号')) throw corrupt('header row missing');
  const parsed = parse<Row>([header.text, ...data.map((d) => d.text)].join('\n'), {
    columns: (h: string[]) => h.map((c) => c.trim()),
    trim: true,
    // Alipay adds columns over time ⚠ and does not quote fields: tolerate both.
    relax_column_count: true,
    relax_quotes: true,
  });
  // TAB suffixes: trim every field ourselves too, whatever csv-parse counts as whitespace.
  const records = parsed.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v).trim()])),
  );
  if (records.length !== data.length) throw corrupt('row count changed while parsing');
  const lines = records.map((r, i) => toLine(r, data[i]?.lineNo ?? 0));
  return { lines, summary: crossCheck(records, parseFooter(comments)) };
}

function crossCheck(records: readonly Row[], footer: Footer): StatementSummary {
  const received = (type: string): bigint[] =>
    records
      .filter((r) => field(r, '业务类型') === type)
      .map((r) => parseYuan(field(r, '商家实收（元）')) ?? 0n);
  const trades = received('交易');
  const refunds = received('退款');
  const sum = (xs: bigint[]): bigint => xs.reduce((a, b) => a + b, 0n);
  if (trades.length !== footer.tradeCount || sum(trades) !== footer.tradeSumMinor) {
    throw corrupt(
      `#交易合计 says ${footer.tradeCount} / ${footer.tradeSumMinor}, rows give ${trades.length} / ${sum(trades)}`,
    );
  }
  if (refunds.length !== footer.refundCount || sum(refunds) !== footer.refundSumMinor) {
    throw corrupt(
      `#退款合计 says ${footer.refundCount} / ${footer.refundSumMinor}, rows give ${refunds.length} / ${sum(refunds)}`,
    );
  }
  return {
    count: trades.length + refunds.length,
    paymentTotalMinor: footer.tradeSumMinor,
    // Summary amounts are positive; the footer carries refunds as negative.
    refundTotalMinor: -footer.refundSumMinor,
  };
}

export function parseAlipayBillZip(zip: Uint8Array): ParsedAlipayStatement {
  const { name, text } = extractDetailCsv(zip);
  const { lines, summary } = parseDetailCsv(text);
  return { detailFileName: name, lines, summary };
}
