/**
 * Alipay trade bills (PROTOCOLS B3): the detail and summary CSVs, GBK-encoded, CRLF, `#` header and
 * footer lines, TAB-suffixed id/text columns, zipped with GBK entry names and no UTF-8 flag.
 */
import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';
import type * as Fflate from 'fflate';
import type Iconv from 'iconv-lite';
import { beijingChineseDateTime, beijingDateTime, beijingDayStart, fenToYuan } from './alipay-wire.js';

/**
 * The GBK codec and the compressor, loaded with the first bill a simulator renders rather than with
 * the simulator (`npm start` starts it in a thread beside the service's own start). Through `require`
 * at run time, so the bundle leaves them out of the simulators' chunk.
 */
let codecs: { readonly iconv: typeof Iconv; readonly deflateSync: typeof Fflate.deflateSync } | undefined;
function billCodecs(): NonNullable<typeof codecs> {
  if (codecs === undefined) {
    const load = createRequire(import.meta.url);
    codecs = {
      iconv: load('iconv-lite') as typeof Iconv,
      deflateSync: (load('fflate') as typeof Fflate).deflateSync,
    };
  }
  return codecs;
}

/** One detail row, amounts in signed fen as they appear in the file (refunds negative). */
export interface BillRow {
  readonly tradeNo: string;
  readonly outTradeNo: string;
  /** 交易 or 退款; any other text can be injected by statement edits. */
  readonly kind: string;
  readonly subject: string;
  readonly createdAt: Date;
  readonly completedAt: Date;
  readonly storeId: string;
  readonly storeName: string;
  readonly operatorId: string;
  readonly terminalId: string;
  readonly buyerAccount: string;
  readonly orderAmountFen: bigint;
  readonly receivedFen: bigint;
  readonly merchantDiscountFen: bigint;
  readonly refundNo: string;
  readonly feeFen: bigint;
  readonly remark: string;
}

/** Footer values; computed from the rows unless a statement edit overrides them. */
export interface BillFooter {
  readonly tradeCount: number;
  readonly tradeReceivedFen: bigint;
  readonly refundCount: number;
  readonly refundReceivedFen: bigint;
}

export const DETAIL_HEADER =
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';

export const SUMMARY_HEADER =
  '门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,支付宝优惠（元）,商家优惠（元）,卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）';

const DETAIL_START = `#${'-'.repeat(41)}业务明细列表${'-'.repeat(40)}`;
const DETAIL_END = `#${'-'.repeat(41)}业务明细列表结束${'-'.repeat(36)}`;
const SUMMARY_START = `#${'-'.repeat(41)}业务汇总列表${'-'.repeat(40)}`;
const SUMMARY_END = `#${'-'.repeat(40)}业务汇总列表结束${'-'.repeat(37)}`;

const T = '\t';

export function computeFooter(rows: readonly BillRow[]): BillFooter {
  const trades = rows.filter((r) => r.kind === '交易');
  const refunds = rows.filter((r) => r.kind === '退款');
  return {
    tradeCount: trades.length,
    tradeReceivedFen: trades.reduce((s, r) => s + r.receivedFen, 0n),
    refundCount: refunds.length,
    refundReceivedFen: refunds.reduce((s, r) => s + r.receivedFen, 0n),
  };
}

function detailLine(r: BillRow): string {
  return [
    r.tradeNo + T,
    r.outTradeNo + T,
    r.kind + T,
    r.subject,
    beijingDateTime(r.createdAt),
    beijingDateTime(r.completedAt),
    r.storeId + T,
    r.storeName + T,
    r.operatorId + T,
    r.terminalId + T,
    r.buyerAccount + T,
    fenToYuan(r.orderAmountFen),
    fenToYuan(r.receivedFen),
    '0.00',
    '0.00',
    '0.00',
    fenToYuan(r.merchantDiscountFen),
    '0.00',
    '',
    `0.00${T}`,
    '0.00',
    r.refundNo + T,
    fenToYuan(r.feeFen),
    '0.00',
    r.remark,
  ].join(',');
}

export interface BillFileInput {
  /** Merchant PID + `0156`. */
  readonly account: string;
  readonly day: string;
  readonly rows: readonly BillRow[];
  readonly footer: BillFooter;
  readonly exportedAt: Date;
}

function headerLines(title: string, input: BillFileInput): string[] {
  const start = beijingDayStart(input.day);
  const end = new Date(start.getTime() + 86_400_000);
  return [
    title,
    `#账号：[${input.account}]`,
    `#起始日期：[${beijingChineseDateTime(start)}]   终止日期：[${beijingChineseDateTime(end)}]`,
  ];
}

export function renderDetailCsv(input: BillFileInput): string {
  const f = input.footer;
  const discountOf = (kind: string): bigint =>
    input.rows.filter((r) => r.kind === kind).reduce((s, r) => s + r.merchantDiscountFen, 0n);
  const lines = [
    ...headerLines('#支付宝业务明细查询', input),
    DETAIL_START,
    DETAIL_HEADER,
    ...input.rows.map(detailLine),
    DETAIL_END,
    `#交易合计：${f.tradeCount}笔，商家实收共${fenToYuan(f.tradeReceivedFen)}元，商家优惠共${fenToYuan(discountOf('交易'))}元`,
    `#退款合计：${f.refundCount}笔，商家实收退款共${fenToYuan(f.refundReceivedFen)}元，商家优惠退款共${fenToYuan(discountOf('退款'))}元`,
    `#导出时间：[${beijingChineseDateTime(input.exportedAt)}]`,
  ];
  return `${lines.join('\r\n')}\r\n`;
}

export function renderSummaryCsv(input: BillFileInput): string {
  const stores = [...new Set(input.rows.map((r) => r.storeId))];
  const line = (storeId: string, storeName: string, rows: readonly BillRow[]): string => {
    const sum = (pick: (r: BillRow) => bigint): bigint => rows.reduce((s, r) => s + pick(r), 0n);
    const received = sum((r) => r.receivedFen);
    const fee = sum((r) => r.feeFen);
    return [
      storeId + T,
      storeName + T,
      rows.filter((r) => r.kind === '交易').length,
      rows.filter((r) => r.kind === '退款').length,
      fenToYuan(sum((r) => r.orderAmountFen)),
      fenToYuan(received),
      '0.00',
      fenToYuan(sum((r) => r.merchantDiscountFen)),
      '0.00',
      fenToYuan(fee),
      '0.00',
      fenToYuan(received + fee),
    ].join(',');
  };
  const lines = [
    ...headerLines('#支付宝业务汇总查询', input),
    SUMMARY_START,
    SUMMARY_HEADER,
    ...stores.map((s) => {
      const rows = input.rows.filter((r) => r.storeId === s);
      return line(s, rows[0]?.storeName ?? '', rows);
    }),
    line('合计', '', input.rows),
    SUMMARY_END,
    `#导出时间：[${beijingChineseDateTime(input.exportedAt)}]`,
  ];
  return `${lines.join('\r\n')}\r\n`;
}

export function billBaseName(account: string, day: string): string {
  return `${account}_${day.replaceAll('-', '')}`;
}

export function renderBillZip(input: BillFileInput): { fileName: string; zip: Buffer } {
  const base = billBaseName(input.account, input.day);
  const { iconv } = billCodecs();
  const zip = writeZip(
    [
      { name: `${base}_业务明细.csv`, data: iconv.encode(renderDetailCsv(input), 'gbk') },
      { name: `${base}_业务明细(汇总).csv`, data: iconv.encode(renderSummaryCsv(input), 'gbk') },
    ],
    input.exportedAt,
  );
  return { fileName: `${base}.csv.zip`, zip };
}

interface ZipEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

/**
 * A minimal zip writer: fflate's zipSync always writes names as UTF-8 with flag bit 11, but Alipay's
 * zips carry GBK names WITHOUT that flag, which is exactly what trips naive unzip code.
 */
export function writeZip(entries: readonly ZipEntry[], mtime: Date): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const { dosTime, dosDate } = dosDateTime(mtime);
  const { iconv, deflateSync } = billCodecs();
  for (const entry of entries) {
    const name = iconv.encode(entry.name, 'gbk');
    const compressed = Buffer.from(deflateSync(entry.data));
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6); // flags: no UTF-8 bit
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const centralSize = centrals.reduce((s, b) => s + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

function dosDateTime(d: Date): { dosTime: number; dosDate: number } {
  const b = new Date(d.getTime() + 8 * 3600_000);
  return {
    dosTime: (b.getUTCHours() << 11) | (b.getUTCMinutes() << 5) | (b.getUTCSeconds() >> 1),
    dosDate:
      ((Math.max(b.getUTCFullYear(), 1980) - 1980) << 9) | ((b.getUTCMonth() + 1) << 5) | b.getUTCDate(),
  };
}
