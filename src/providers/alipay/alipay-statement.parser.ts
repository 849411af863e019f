/**
 * Streaming parser for an Alipay trade-bill zip (PROTOCOLS B3): the zip is read as it arrives (fflate's
 * streaming Unzip), the detail CSV is picked by name suffix (names are GBK bytes without the UTF-8
 * flag), decoded from GBK as it inflates (iconv-lite), and split into records (statement-csv.ts); `#`
 * lines are kept aside for the footer, every field is trimmed (TAB suffixes), and the `#交易合计` /
 * `#退款合计` footer is cross-checked against running sums of the rows.
 */
import { Unzip, UnzipInflate, type UnzipFile } from 'fflate';
import iconv from 'iconv-lite';
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

const WHAT = 'alipay bill';

/** fflate hands names without the UTF-8 flag as latin1 strings: recover the bytes, decode GBK. */
function entryName(raw: string): string {
  return iconv.decode(Buffer.from(raw, 'latin1'), 'gbk');
}

const isDetailCsv = (name: string): boolean => name.endsWith('.csv') && !name.includes('汇总');

/** The detail CSV's text, decoded from GBK, chunk by chunk as the zip streams in. */
export async function* detailCsvText(zip: ByteSource): AsyncGenerator<string> {
  const out: string[] = [];
  let found = false;
  let finished = false;
  let failure: Error | null = null;
  const unzip = new Unzip((file: UnzipFile) => {
    if (found || !isDetailCsv(entryName(file.name))) return;
    found = true;
    const decoder = iconv.getDecoder('gbk');
    file.ondata = (err, data, final) => {
      if (err) failure = err;
      else out.push(decoder.write(Buffer.from(data)));
      if (final && !err) {
        out.push(decoder.end() ?? '');
        finished = true;
      }
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  const push = (chunk: Uint8Array, final: boolean): void => {
    try {
      unzip.push(chunk, final);
    } catch (err) {
      failure = err as Error;
    }
    if (failure) throw new StatementFormatError(`${WHAT}: cannot unzip (${String(failure)})`, null);
  };
  for await (const chunk of zip) {
    push(chunk, false);
    yield* out.splice(0);
  }
  push(new Uint8Array(0), true);
  yield* out.splice(0);
  if (!found) throw new StatementFormatError(`${WHAT}: no detail file (…_业务明细.csv) in the zip`, null);
  if (!finished) throw new StatementFormatError(`${WHAT}: detail file truncated`, null);
}

interface Footer {
  readonly tradeCount: number;
  readonly tradeSumMinor: bigint;
  readonly refundCount: number;
  readonly refundSumMinor: bigint;
}

const TRADE_FOOTER = /^#交易合计[：:](\d+)笔[，,]商家实收共(-?[\d.]+)元/;
const REFUND_FOOTER = /^#退款合计[：:](\d+)笔[，,]商家实收退款共(-?[\d.]+)元/;

interface Layout {
  readonly tradeNo: number;
  readonly outTradeNo: number;
  readonly type: number;
  readonly completedAt: number;
  readonly orderAmount: number;
  readonly received: number;
  readonly refundNo: number;
  readonly fee: number;
}

function layoutOf(header: readonly string[]): Layout {
  const c = new Columns(header, `${WHAT} header`);
  return {
    tradeNo: c.at('支付宝交易号'),
    outTradeNo: c.at('商户订单号'),
    type: c.at('业务类型'),
    completedAt: c.at('完成时间'),
    orderAmount: c.at('订单金额（元）'),
    received: c.at('商家实收（元）'),
    refundNo: c.at('退款批次号/请求号'),
    fee: c.at('服务费（元）'),
  };
}

function yuan(text: string, what: string, line: number | null): bigint {
  const v = decimalOrNull(text, 2);
  if (v === null) throw new StatementFormatError(`bad amount in ${what}: '${text}'`, line);
  return v;
}

/** Parses the detail CSV text (already decoded). */
export async function* parseDetailCsv(text: AsyncIterable<string> | Iterable<string>): StatementParse {
  const comments: string[] = [];
  let layout: Layout | null = null;
  const seen = { trade: 0, tradeSum: 0n, refund: 0, refundSum: 0n };
  const source = (async function* () {
    yield* text;
  })();
  for await (const batch of csvRecords(source, WHAT)) {
    const lines: StatementLine[] = [];
    for (const r of batch) {
      const cells = r.cells.map((c) => c.trim());
      if ((cells[0] ?? '').startsWith('#')) {
        comments.push(r.cells.join(','));
        continue;
      }
      if (layout === null) {
        if (!(cells[0] ?? '').startsWith('支付宝交易号'))
          throw new StatementFormatError(`${WHAT}: header row missing`, r.line);
        layout = layoutOf(cells);
        continue;
      }
      const line = toLine(cells, r, layout);
      const received = yuan(cells[layout.received] ?? '', '商家实收（元）', r.line);
      if (line.kind === 'PAYMENT') {
        seen.trade++;
        seen.tradeSum += received;
      } else {
        seen.refund++;
        seen.refundSum += received;
      }
      lines.push(line);
    }
    if (lines.length > 0) yield lines;
  }
  if (layout === null) throw new StatementFormatError(`${WHAT}: header row missing`, null);
  return crossCheck(seen, parseFooter(comments));
}

function toLine(cells: readonly string[], r: CsvRecord, l: Layout): StatementLine {
  const type = cells[l.type] ?? '';
  if (type !== '交易' && type !== '退款')
    throw new StatementFormatError(`unknown 业务类型 '${type}'`, r.line);
  const occurredAt = shanghaiTimeOrNull(cells[l.completedAt] ?? '');
  if (!occurredAt) throw new StatementFormatError(`bad 完成时间 '${cells[l.completedAt] ?? ''}'`, r.line);
  const amount = yuan(cells[l.orderAmount] ?? '', '订单金额（元）', r.line);
  const refundNo = cells[l.refundNo] ?? '';
  return {
    kind: type === '交易' ? 'PAYMENT' : 'REFUND',
    providerTransactionId: cells[l.tradeNo] ?? '',
    outTradeNo: cells[l.outTradeNo] ?? '',
    refundId: type === '退款' && refundNo ? refundNo : null,
    providerRefundId: null,
    amountMinor: amount < 0n ? -amount : amount,
    currency: 'CNY',
    fee: { value: yuan(cells[l.fee] ?? '', '服务费（元）', r.line), scale: 2 },
    providerStatus: type,
    occurredAt,
    sourceLine: r.line,
  };
}

function parseFooter(comments: readonly string[]): Footer {
  const trade = comments.map((l) => TRADE_FOOTER.exec(l)).find(Boolean);
  const refund = comments.map((l) => REFUND_FOOTER.exec(l)).find(Boolean);
  const tradeSum = trade?.[2] === undefined ? null : decimalOrNull(trade[2], 2);
  const refundSum = refund?.[2] === undefined ? null : decimalOrNull(refund[2], 2);
  if (!trade || !refund || tradeSum === null || refundSum === null)
    throw new StatementFormatError(`${WHAT}: footer (#交易合计/#退款合计) missing or malformed`, null);
  return {
    tradeCount: Number(trade[1]),
    tradeSumMinor: tradeSum,
    refundCount: Number(refund[1]),
    refundSumMinor: refundSum,
  };
}

function crossCheck(
  seen: { trade: number; tradeSum: bigint; refund: number; refundSum: bigint },
  footer: Footer,
): StatementSummary {
  if (seen.trade !== footer.tradeCount || seen.tradeSum !== footer.tradeSumMinor)
    throw new StatementFormatError(
      `${WHAT}: #交易合计 says ${footer.tradeCount} / ${footer.tradeSumMinor}, rows give ${seen.trade} / ${seen.tradeSum}`,
      null,
    );
  if (seen.refund !== footer.refundCount || seen.refundSum !== footer.refundSumMinor)
    throw new StatementFormatError(
      `${WHAT}: #退款合计 says ${footer.refundCount} / ${footer.refundSumMinor}, rows give ${seen.refund} / ${seen.refundSum}`,
      null,
    );
  // Summary amounts are positive; the footer carries refunds as negative.
  return {
    count: seen.trade + seen.refund,
    paymentTotalMinor: footer.tradeSumMinor,
    refundTotalMinor: -footer.refundSumMinor,
  };
}

/** Parses a trade-bill zip from a byte stream. */
export function parseAlipayBillZip(zip: ByteSource): StatementParse {
  return parseDetailCsv(detailCsvText(zip));
}
