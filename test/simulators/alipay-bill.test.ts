import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimClock } from '../../src/simulators/shared/index.js';
import { startAlipaySimulator, type StartedAlipaySimulator } from '../../src/simulators/alipay/index.js';

// Frozen simulated time: 2024-05-02 10:00 Beijing, so D = 2024-05-01 is billable.
const clock = createSimClock({ start: new Date('2024-05-02T02:00:00Z'), frozen: true });
let s: StartedAlipaySimulator;

beforeAll(async () => {
  s = await startAlipaySimulator({
    dataDir: mkdtempSync(join(tmpdir(), 'alipay-bill-')),
    clock,
    timestampToleranceMs: null,
  });
  const sim = s.sim;
  sim.createPayment({
    outTradeNo: 'B1',
    amountFen: 1230n,
    paidAt: '2024-05-01T01:00:00Z',
    subject: '麻辣香锅',
  });
  sim.createPayment({ outTradeNo: 'B2', amountFen: 888n, paidAt: '2024-05-01T03:00:00Z' });
  // Created 23:59:59 on Apr 30 Beijing, paid 00:00:02 May 1 Beijing → on May 1's bill.
  sim.createPayment({
    outTradeNo: 'B3',
    amountFen: 500n,
    createdAt: '2024-04-30T15:59:59Z',
    paidAt: '2024-04-30T16:00:02Z',
  });
  // Paid on Apr 28, refunded May 1: the refund row lands on May 1 with an old 创建时间.
  sim.createPayment({ outTradeNo: 'B4', amountFen: 1000n, paidAt: '2024-04-28T02:00:00Z' });
  clock.set(new Date('2024-05-01T05:00:00Z'));
});
afterAll(async () => s.close());

async function refundAt(outTradeNo: string, outRequestNo: string, fen: bigint, at: string): Promise<void> {
  clock.set(new Date(at));
  const { createAlipayProvider } = await import('../../src/providers/alipay/index.js');
  const p = createAlipayProvider({
    appId: s.app.appId,
    appPrivateKeyPem: s.app.privateKeyPem,
    alipayPublicKeyPem: s.alipayPublicKeyPem,
    gatewayUrl: s.gatewayUrl,
    timeoutMs: 2_000,
  });
  await p.refund({
    refundId: outRequestNo,
    outTradeNo,
    amountMinor: fen,
    paymentTotalMinor: 0n,
    currency: 'CNY',
    reason: 'r',
  });
}

function unzipBill(zip: Buffer): { names: string[]; detail: string; summary: string; flags: number[] } {
  const files = unzipSync(zip);
  const names = Object.keys(files).map((n) => iconv.decode(Buffer.from(n, 'latin1'), 'gbk'));
  const entry = (suffix: string): string => {
    const i = names.findIndex((n) => n.endsWith(suffix));
    const data = Object.values(files)[i];
    if (!data) throw new Error(`no ${suffix}`);
    return iconv.decode(Buffer.from(data), 'gbk');
  };
  // General-purpose flag of each local header: bit 11 (UTF-8) must be clear.
  const flags: number[] = [];
  for (let i = 0; i < zip.length - 4; i += 1)
    if (zip.readUInt32LE(i) === 0x04034b50) flags.push(zip.readUInt16LE(i + 6));
  return { names, detail: entry('_业务明细.csv'), summary: entry('_业务明细(汇总).csv'), flags };
}

const yuanToFen = (y: string): bigint => {
  const [i, f = ''] = y.replace('-', '').split('.');
  const v = BigInt(i ?? '0') * 100n + BigInt(f.padEnd(2, '0'));
  return y.startsWith('-') ? -v : v;
};

describe('bill zip', () => {
  beforeAll(async () => {
    await refundAt('B1', 'B1-R1', 230n, '2024-05-01T06:00:00Z');
    await refundAt('B4', 'B4-R1', 1000n, '2024-05-01T07:00:00Z');
    // Completes after midnight Beijing: belongs to May 2's bill.
    await refundAt('B2', 'B2-R1', 88n, '2024-05-01T16:00:01Z');
    clock.set(new Date('2024-05-02T02:00:00Z'));
  });

  it('holds GBK detail + summary CSVs with exact headers, markers, TAB suffixes and footers that add up', () => {
    const { fileName, zip } = s.sim.buildBill('2024-05-01');
    expect(fileName).toBe(`${s.pid}0156_20240501.csv.zip`);
    const { names, detail, summary, flags } = unzipBill(zip);
    expect(names.sort()).toEqual(
      [`${s.pid}0156_20240501_业务明细(汇总).csv`, `${s.pid}0156_20240501_业务明细.csv`].sort(),
    );
    expect(flags).toHaveLength(2);
    expect(flags.every((f) => (f & 0x800) === 0)).toBe(true);
    expect(detail.includes('\r\n')).toBe(true);
    expect(detail.split('\r\n').every((l) => !l.includes('\n'))).toBe(true);
    const lines = detail.split('\r\n');
    expect(lines.slice(0, 4)).toEqual([
      '#支付宝业务明细查询',
      `#账号：[${s.pid}0156]`,
      '#起始日期：[2024年05月01日 00:00:00]   终止日期：[2024年05月02日 00:00:00]',
      `#${'-'.repeat(41)}业务明细列表${'-'.repeat(40)}`,
    ]);
    expect(lines).toContain(`#${'-'.repeat(41)}业务明细列表结束${'-'.repeat(36)}`);
    expect(lines[4]).toMatch(/^支付宝交易号,商户订单号,业务类型,.*,备注$/);
    expect(lines[4]).not.toContain('\t');

    const body = lines.filter((l) => l !== '' && !l.startsWith('#')).join('\n');
    const rows = parse<Record<string, string>>(body, { columns: true });
    expect(rows[0]?.['支付宝交易号']).toMatch(/^\d{28}\t$/);
    expect(rows[0]?.['商户订单号']).toMatch(/\t$/);
    expect(rows[0]?.['订单金额（元）']).not.toMatch(/\t/);
    const trimmed = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.trim()])));
    const trades = trimmed.filter((r) => r['业务类型'] === '交易');
    const refunds = trimmed.filter((r) => r['业务类型'] === '退款');
    expect(trades.map((r) => r['商户订单号']).sort()).toEqual(['B1', 'B2', 'B3']);
    expect(refunds.map((r) => [r['商户订单号'], r['退款批次号/请求号'], r['订单金额（元）']])).toEqual([
      ['B1', 'B1-R1', '-2.30'],
      ['B4', 'B4-R1', '-10.00'],
    ]);
    expect(refunds[1]?.['创建时间']?.startsWith('2024-04-28')).toBe(true);
    expect(trades.find((r) => r['商户订单号'] === 'B3')?.['创建时间']).toBe('2024-04-30 23:59:59');

    const sum = (rs: Record<string, string>[]): bigint =>
      rs.reduce((a, r) => a + yuanToFen(r['商家实收（元）'] ?? '0'), 0n);
    const fmt = (f: bigint): string =>
      `${f < 0n ? '-' : ''}${(f < 0n ? -f : f) / 100n}.${String((f < 0n ? -f : f) % 100n).padStart(2, '0')}`;
    expect(lines).toContain(
      `#交易合计：${trades.length}笔，商家实收共${fmt(sum(trades))}元，商家优惠共0.00元`,
    );
    expect(lines).toContain(
      `#退款合计：${refunds.length}笔，商家实收退款共${fmt(sum(refunds))}元，商家优惠退款共0.00元`,
    );
    expect(lines.at(-2)).toMatch(/^#导出时间：\[\d{4}年\d{2}月\d{2}日 \d{2}:\d{2}:\d{2}\]$/);

    const slines = summary.split('\r\n');
    expect(slines[3]).toBe(`#${'-'.repeat(41)}业务汇总列表${'-'.repeat(40)}`);
    expect(slines).toContain(`#${'-'.repeat(40)}业务汇总列表结束${'-'.repeat(37)}`);
    const total = slines.find((l) => l.startsWith('合计'))?.split(',');
    expect(total?.[2]).toBe(String(trades.length));
    expect(total?.[3]).toBe(String(refunds.length));
    expect(total?.[5]).toBe(fmt(sum(trades) + sum(refunds)));
  });

  it('puts the cross-midnight refund on the next day', () => {
    const { detail } = unzipBill(s.sim.buildBill('2024-05-02').zip);
    expect(detail).toContain('B2-R1');
    expect(unzipBill(s.sim.buildBill('2024-05-01').zip).detail).not.toContain('B2-R1');
  });

  it('statement edits: foreign, missing, altered, duplicate rows and an inconsistent footer', () => {
    s.sim.editStatement('2024-05-01', {
      addRows: [{ outTradeNo: 'PORTAL-1', kind: '退款', amountFen: 50n, refundNo: 'PORTAL-R' }],
      removeRows: [{ outTradeNo: 'B2', kind: '交易' }],
      patchRows: [{ match: { refundNo: 'B1-R1' }, set: { amountFen: 231n } }],
      duplicateRows: [{ outTradeNo: 'B3' }],
      footer: { tradeCount: 99 },
    });
    const { detail } = unzipBill(s.sim.buildBill('2024-05-01').zip);
    const rows = detail.split('\r\n').filter((l) => /^\d{28}/.test(l));
    expect(rows.some((l) => l.includes('PORTAL-R'))).toBe(true);
    expect(rows.some((l) => l.includes('B2\t,交易'))).toBe(false);
    expect(rows.find((l) => l.includes('B1-R1'))).toContain(',-2.31,-2.31,');
    expect(rows.filter((l) => l.includes('B3\t'))).toHaveLength(2);
    expect(detail).toContain('#交易合计：99笔');
    s.sim.clearStatementEdits('2024-05-01');
  });
});
