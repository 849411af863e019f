import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { writeZip } from '../simulators/alipay/alipay-bill.js';
import { readStatement, StatementFormatError, type StatementLine, type StatementParse } from './index.js';
import { parseStatementFile } from './statement-reader.js';

async function collect(parse: StatementParse) {
  const lines: StatementLine[] = [];
  const summary = await readStatement(parse, (l) => void lines.push(l));
  return { lines, summary };
}

/** Splits a buffer into small chunks, so every parser sees records and characters cut across chunks. */
function* chunked(bytes: Buffer, size = 7): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

const WX_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const WX_PAY =
  '`2024-05-01 12:00:03,`wx1,`1900000100,`0,`,`4200002171202405016432215467,`ORD1,`oU,`JSAPI,`SUCCESS,`OTHERS,`CNY,`8.88,`0.00,`0,`0,`0.00,`0.00,`,`,`测试商品,`,`0.05000,`0.60%,`8.88,`0.00,`';
const WX_REFUND =
  '`2024-05-01 18:20:11,`wx1,`1900000100,`0,`,`4200002171202404306432200001,`ORD0,`oU,`JSAPI,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50300908092024050118032965100,`RF1,`5.00,`0.00,`ORIGINAL,`SUCCESS,`测试商品,`,`-0.03000,`0.60%,`0.00,`5.00,`';
const WX_SUM_HEADER =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
const WX_SUM = '`2,`8.88,`5.00,`0.00,`0.02000,`8.88,`5.00';

function wechat(lines: readonly string[], eol = '\r\n', bom = true): Buffer {
  return Buffer.from(`${bom ? '\uFEFF' : ''}${lines.join(eol)}${eol}`, 'utf8');
}

const wxFile = (eol = '\r\n', bom = true): Buffer =>
  wechat([WX_HEADER, WX_PAY, WX_REFUND, WX_SUM_HEADER, WX_SUM], eol, bom);

describe('WeChat trade bill (streaming)', () => {
  it.each([
    ['BOM + CRLF', wxFile('\r\n', true)],
    ['no BOM + LF', wxFile('\n', false)],
    [
      'extra trailing columns',
      wechat([`${WX_HEADER},新列`, `${WX_PAY},\`x`, `${WX_REFUND},\`y`, WX_SUM_HEADER, WX_SUM]),
    ],
    [
      'summary counts as 2.0',
      wechat([WX_HEADER, WX_PAY, WX_REFUND, WX_SUM_HEADER, WX_SUM.replace('`2,', '`2.0,')]),
    ],
  ])('%s: lines normalised, summary cross-checked', async (_name, bytes) => {
    const { lines, summary } = await collect(parseStatementFile('WECHATPAY_TRADEBILL_CSV', chunked(bytes)));
    expect(
      lines.map((l) => [l.kind, l.outTradeNo, l.refundId, l.amountMinor, l.fee.value, l.sourceLine]),
    ).toEqual([
      ['PAYMENT', 'ORD1', null, 888n, 5000n, 2],
      ['REFUND', 'ORD0', 'RF1', 500n, -3000n, 3],
    ]);
    expect(lines[1]).toMatchObject({
      providerRefundId: '50300908092024050118032965100',
      providerStatus: 'SUCCESS',
    });
    expect(lines[0]?.occurredAt.toISOString()).toBe('2024-05-01T04:00:03.000Z');
    expect(summary).toEqual({ count: 2, paymentTotalMinor: 888n, refundTotalMinor: 500n });
  });

  it('gzip round trip', async () => {
    const { lines } = await collect(
      parseStatementFile('WECHATPAY_TRADEBILL_GZIP', chunked(gzipSync(wxFile()), 13)),
    );
    expect(lines).toHaveLength(2);
  });

  it.each([
    [
      'malformed amount → its line',
      [WX_HEADER, WX_PAY.replace('`8.88,`0.00,`', '`8.8x,`0.00,`'), WX_SUM_HEADER, WX_SUM],
      2,
    ],
    [
      'three decimals → its line',
      [
        WX_HEADER,
        WX_PAY,
        WX_REFUND.replace('`5.00,`0.00,`ORIGINAL', '`5.001,`0.00,`ORIGINAL'),
        WX_SUM_HEADER,
        WX_SUM,
      ],
      3,
    ],
    [
      'bad time → its line',
      [WX_HEADER, WX_PAY.replace('2024-05-01 12', '2024-05-01T12'), WX_SUM_HEADER, WX_SUM],
      2,
    ],
    [
      'summary sum disagrees',
      [WX_HEADER, WX_PAY, WX_REFUND, WX_SUM_HEADER, WX_SUM.replace('`8.88,`5.00', '`8.89,`5.00')],
      5,
    ],
    ['summary count disagrees', [WX_HEADER, WX_PAY, WX_SUM_HEADER, WX_SUM], 4],
    ['truncated: no summary', [WX_HEADER, WX_PAY], null],
  ])('%s', async (_name, lines, line) => {
    const error = await collect(parseStatementFile('WECHATPAY_TRADEBILL_CSV', [wechat(lines)])).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StatementFormatError);
    expect(error).toMatchObject({ code: 'STATEMENT_CORRUPT', line });
  });

  it('a corrupted gzip is STATEMENT_CORRUPT, not a crash', async () => {
    const gz = gzipSync(wxFile());
    const bad = Buffer.concat([gz.subarray(0, 20), Buffer.alloc(20, 7), gz.subarray(40)]);
    await expect(collect(parseStatementFile('WECHATPAY_TRADEBILL_GZIP', [bad]))).rejects.toMatchObject({
      code: 'STATEMENT_CORRUPT',
    });
  });
});

const ALI_HEADER =
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';
const aliRow = (type: string, amount: string, refundNo = '', fee = '0.00') =>
  `2019091622001458860513822558\t,service_1\t,${type}\t,下单测试,2019-09-16 11:07:03,2019-09-16 11:26:55,s\t,s\t,a\t,\t,*津水(602***@qq.com)\t,${amount},${amount},0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,${refundNo}\t,${fee},0.00,下单测试`;
const DASHES = `#${'-'.repeat(41)}业务明细列表${'-'.repeat(40)}`;

function alipayCsv(
  header: string,
  rows: readonly string[],
  trades: string,
  refunds: string,
  eol = '\r\n',
): string {
  return [
    '#支付宝业务明细查询',
    '#账号：[20880211096256330156]',
    '#起始日期：[2019年09月16日 00:00:00]   终止日期：[2019年09月17日 00:00:00]',
    DASHES,
    header,
    ...rows,
    `#${'-'.repeat(41)}业务明细列表结束${'-'.repeat(36)}`,
    `#交易合计：${trades}，商家优惠共0.00元`,
    `#退款合计：${refunds}，商家优惠退款共0.00元`,
    '#导出时间：[2019年09月17日 05:46:49]',
  ].join(eol);
}

const aliZip = (csv: string): Buffer =>
  writeZip(
    [
      { name: '20880211096256330156_20190916_业务明细.csv', data: iconv.encode(csv, 'gbk') },
      { name: '20880211096256330156_20190916_业务明细(汇总).csv', data: iconv.encode('#汇总\r\n', 'gbk') },
    ],
    new Date('2019-09-17T00:00:00Z'),
  );

const GOOD = alipayCsv(
  ALI_HEADER,
  [aliRow('交易', '0.01', '', '-0.01'), aliRow('退款', '-0.01', 're_1', '0.01')],
  '1笔，商家实收共0.01元',
  '1笔，商家实收退款共-0.01元',
);

describe('Alipay trade bill zip (streaming, GBK)', () => {
  it.each([
    ['CRLF, full-width headers', GOOD],
    ['LF', GOOD.replaceAll('\r\n', '\n')],
    ['half-width headers', GOOD.replace(ALI_HEADER, ALI_HEADER.replaceAll('（', '(').replaceAll('）', ')'))],
    [
      'extra trailing column',
      GOOD.replace(ALI_HEADER, `${ALI_HEADER},新列`).replaceAll('下单测试\r\n', '下单测试,x\r\n'),
    ],
  ])('%s: GBK zip round trip, TAB suffixes trimmed, footer cross-checked', async (_name, csv) => {
    const { lines, summary } = await collect(
      parseStatementFile('ALIPAY_TRADE_ZIP', chunked(aliZip(csv), 11)),
    );
    expect(
      lines.map((l) => [l.kind, l.outTradeNo, l.refundId, l.amountMinor, l.fee.value, l.sourceLine]),
    ).toEqual([
      ['PAYMENT', 'service_1', null, 1n, -1n, 6],
      ['REFUND', 'service_1', 're_1', 1n, 1n, 7],
    ]);
    expect(lines[0]?.providerTransactionId).toBe('2019091622001458860513822558');
    expect(summary).toEqual({ count: 2, paymentTotalMinor: 1n, refundTotalMinor: 1n });
  });

  it.each([
    [
      'malformed amount → its line',
      GOOD.replace(aliRow('退款', '-0.01', 're_1', '0.01'), aliRow('退款', '-0.0l', 're_1', '0.01')),
      7,
    ],
    ['footer count disagrees', GOOD.replace('#交易合计：1笔', '#交易合计：2笔'), null],
    ['footer sum disagrees', GOOD.replace('商家实收退款共-0.01元', '商家实收退款共-0.02元'), null],
    [
      'footer missing',
      GOOD.split('\r\n')
        .filter((l) => !l.startsWith('#交易合计'))
        .join('\r\n'),
      null,
    ],
    [
      'unknown 业务类型',
      GOOD.replace(aliRow('交易', '0.01', '', '-0.01'), aliRow('冻结', '0.01', '', '-0.01')),
      6,
    ],
  ])('%s', async (_name, csv, line) => {
    const error = await collect(parseStatementFile('ALIPAY_TRADE_ZIP', [aliZip(csv)])).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StatementFormatError);
    expect(error).toMatchObject({ code: 'STATEMENT_CORRUPT', line });
  });

  it('a truncated zip or HTML instead of a zip is STATEMENT_CORRUPT', async () => {
    const zip = aliZip(GOOD);
    for (const bad of [zip.subarray(0, Math.floor(zip.length / 2)), Buffer.from('<html>expired</html>')]) {
      await expect(collect(parseStatementFile('ALIPAY_TRADE_ZIP', [bad]))).rejects.toMatchObject({
        code: 'STATEMENT_CORRUPT',
      });
    }
  });
});
