import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/providers/payment-provider.js';
import {
  createAlipayProvider,
  parseDetailCsv,
  type AlipayProvider,
} from '../../src/providers/alipay/index.js';
import { collectStatement, parsedDownload } from '../support/statements.js';
import { createSimClock } from '../../src/simulators/shared/index.js';
import { startAlipaySimulator, type StartedAlipaySimulator } from '../../src/simulators/alipay/index.js';

const clock = createSimClock({ start: new Date('2024-05-01T00:00:00Z'), frozen: true });
let s: StartedAlipaySimulator;
let provider: AlipayProvider;

beforeAll(async () => {
  s = await startAlipaySimulator({
    dataDir: mkdtempSync(join(tmpdir(), 'alipay-stmt-')),
    clock,
    timestampToleranceMs: null,
    feeRateBasisPoints: 60,
  });
  provider = createAlipayProvider({
    appId: s.app.appId,
    appPrivateKeyPem: s.app.privateKeyPem,
    alipayPublicKeyPem: s.alipayPublicKeyPem,
    gatewayUrl: s.gatewayUrl,
    timeoutMs: 2_000,
    now: () => clock.now(),
  });
  s.sim.createPayment({ outTradeNo: 'S1', amountFen: 1230n, paidAt: '2024-05-01T01:00:00Z' });
  s.sim.createPayment({ outTradeNo: 'S2', amountFen: 10_000n, paidAt: '2024-05-01T02:00:00Z' });
  clock.set(new Date('2024-05-01T03:00:00Z'));
  await provider.refund({
    refundId: 'S2-R1',
    outTradeNo: 'S2',
    amountMinor: 2_550n,
    paymentTotalMinor: 10_000n,
    currency: 'CNY',
    reason: 'r',
  });
});
afterAll(async () => s.close());
beforeEach(() => {
  s.sim.faults.clear();
  s.sim.clearStatementEdits();
  // 2024-05-02 12:00 Beijing: May 1's bill (ready 06:00) is out.
  clock.set(new Date('2024-05-02T04:00:00Z'));
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: unknown) => (e instanceof ProviderError ? e.code : `other: ${String(e)}`),
  );
}

describe('downloadStatement', () => {
  it('READY: normalised lines, positive refund amounts, summary from the cross-checked footer', async () => {
    const result = await parsedDownload(await provider.downloadStatement('2024-05-01'));
    expect(result.fileName).toBe(`${s.pid}0156_20240501.csv.zip`);
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.raw.subarray(0, 2).toString('latin1')).toBe('PK');
    const byKind = (k: string) => result.lines.filter((l) => l.kind === k);
    expect(byKind('PAYMENT').map((l) => [l.outTradeNo, l.amountMinor])).toEqual([
      ['S1', 1230n],
      ['S2', 10_000n],
    ]);
    const [refund] = byKind('REFUND');
    expect(refund).toMatchObject({
      outTradeNo: 'S2',
      refundId: 'S2-R1',
      amountMinor: 2_550n,
      providerStatus: '退款',
      currency: 'CNY',
    });
    expect(refund?.providerTransactionId).toMatch(/^\d{28}$/);
    expect(refund?.occurredAt.toISOString()).toBe('2024-05-01T03:00:00.000Z');
    expect(refund?.fee).toEqual({ value: 15n, scale: 2 });
    expect(byKind('PAYMENT')[1]?.fee).toEqual({ value: -60n, scale: 2 });
    expect(result.summary).toEqual({ count: 3, paymentTotalMinor: 11_230n, refundTotalMinor: 2_550n });
    expect(result.lines.every((l) => l.sourceLine > 5)).toBe(true);
  });

  it('NOT_READY before the bill is out, NO_STATEMENT for a past day without a bill', async () => {
    clock.set(new Date('2024-05-01T20:00:00Z')); // May 2 04:00 Beijing
    expect(await provider.downloadStatement('2024-05-01')).toEqual({ status: 'NOT_READY' });
    expect(await provider.downloadStatement('2024-05-02')).toEqual({ status: 'NOT_READY' });
    clock.set(new Date('2024-05-10T04:00:00Z'));
    expect(await provider.downloadStatement('2024-05-05')).toEqual({ status: 'NO_STATEMENT' });
    s.sim.setBillReadyAt('2024-05-01', new Date('2024-05-20T00:00:00Z'));
    clock.set(new Date('2024-05-02T01:00:00Z')); // 09:00 Beijing: before our 10:00 expectation
    expect(await provider.downloadStatement('2024-05-01')).toEqual({ status: 'NOT_READY' });
    s.sim.setBillReadyAt('2024-05-01', new Date('2024-05-02T00:00:00Z'));
  });

  it('EMPTY_DATA_WITH_BILL_FILE: READY with no lines and zero totals', async () => {
    clock.set(new Date('2024-05-10T04:00:00Z'));
    s.sim.editStatement('2024-05-06', { emptyDayMode: 'empty_file' });
    const result = await parsedDownload(await provider.downloadStatement('2024-05-06'));
    expect(result.lines).toHaveLength(0);
    expect(result.summary).toEqual({ count: 0, paymentTotalMinor: 0n, refundTotalMinor: 0n });
  });

  it('footer inconsistent with rows → STATEMENT_CORRUPT (counts and sums)', async () => {
    s.sim.editStatement('2024-05-01', { footer: { tradeCount: 3 } });
    expect(await codeOf(provider.downloadStatement('2024-05-01'))).toBe('STATEMENT_CORRUPT');
    s.sim.clearStatementEdits();
    s.sim.editStatement('2024-05-01', { footer: { refundReceivedFen: -2_549n } });
    expect(await codeOf(provider.downloadStatement('2024-05-01'))).toBe('STATEMENT_CORRUPT');
  });

  it('foreign, missing, altered and duplicate rows parse (for reconciliation to flag) while the footer agrees', async () => {
    s.sim.editStatement('2024-05-01', {
      addRows: [{ outTradeNo: 'PORTAL-9', kind: '交易', amountFen: 777n }],
      removeRows: [{ outTradeNo: 'S1' }],
      patchRows: [{ match: { refundNo: 'S2-R1' }, set: { amountFen: 2_500n } }],
      duplicateRows: [{ outTradeNo: 'S2', kind: '交易' }],
    });
    const result = await parsedDownload(await provider.downloadStatement('2024-05-01'));
    expect(result.lines.map((l) => [l.kind, l.outTradeNo, l.amountMinor])).toEqual([
      ['PAYMENT', 'S2', 10_000n],
      ['REFUND', 'S2', 2_500n],
      ['PAYMENT', 'S2', 10_000n],
      ['PAYMENT', 'PORTAL-9', 777n],
    ]);
    expect(result.summary.paymentTotalMinor).toBe(20_777n);
  });

  it('expired URL, corrupted zip, HTML instead of zip, HTTP error on download', async () => {
    s.sim.faults.add({ endpoint: 'bill.download', fault: { kind: 'custom', name: 'expired' } });
    const expired = await provider.downloadStatement('2024-05-01').catch((e: unknown) => e);
    expect(expired).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', httpStatus: 404, retryable: true });
    s.sim.faults.add({
      endpoint: 'bill.download',
      fault: { kind: 'custom', name: 'corrupt', params: { mode: 'truncate' } },
    });
    expect(await codeOf(provider.downloadStatement('2024-05-01'))).toBe('STATEMENT_CORRUPT');
    s.sim.editStatement('2024-05-01', { corrupt: 'garbage' });
    expect(await codeOf(provider.downloadStatement('2024-05-01'))).toBe('STATEMENT_CORRUPT');
    s.sim.clearStatementEdits();
    s.sim.faults.add({
      endpoint: 'bill.download',
      fault: { kind: 'httpError', status: 503, code: 'X', message: 'busy' },
    });
    expect(await codeOf(provider.downloadStatement('2024-05-01'))).toBe('PROVIDER_UNAVAILABLE');
    expect(await codeOf(provider.downloadStatement('2024-05-01'))).toBe('ok');
  });

  it('a download URL expires after 30 s on the simulated clock', async () => {
    const { AlipaySdk } = await import('alipay-sdk');
    const sdk = new AlipaySdk({
      appId: s.app.appId,
      privateKey: s.app.privateKeyPem,
      alipayPublicKey: s.alipayPublicKeyPem,
      gateway: s.gatewayUrl,
      camelcase: false,
    });
    const node = (await sdk.exec(
      'alipay.data.dataservice.bill.downloadurl.query',
      { bizContent: { bill_type: 'trade', bill_date: '2024-05-01' } },
      { validateSign: true },
    )) as Record<string, string>;
    const url = node['bill_download_url'] ?? '';
    expect(url).toContain('downloadFileName=');
    clock.advance(29_000);
    expect((await fetch(url)).status).toBe(200);
    clock.advance(2_000);
    const late = await fetch(url);
    expect(late.status).toBe(404);
    expect(await late.text()).toContain('<html>');
  });
});

describe('parseDetailCsv', () => {
  const header =
    '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';
  const row = (type: string, amount: string, refundNo = '') =>
    `2019091622001458860513822558\t,service_1\t,${type}\t,下单测试,2019-09-16 11:07:03,2019-09-16 11:26:55,s\t,s\t,a\t,\t,*津水(602***@qq.com)\t,${amount},${amount},0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,${refundNo}\t,0.00,0.00,下单测试`;
  const file = (rows: string[], trades: string, refunds: string) =>
    [
      '#支付宝业务明细查询',
      '#账号：[1]',
      header,
      ...rows,
      `#交易合计：${trades}，商家优惠共0.00元`,
      `#退款合计：${refunds}，商家优惠退款共0.00元`,
    ].join('\n');

  it('accepts LF files and a BOM, trims TAB suffixes', async () => {
    const text = `\uFEFF${file([row('交易', '0.01'), row('退款', '-0.01', 're_1')], '1笔，商家实收共0.01元', '1笔，商家实收退款共-0.01元')}`;
    const { lines, summary } = await collectStatement(parseDetailCsv([text]));
    expect(lines.map((l) => [l.kind, l.outTradeNo, l.refundId, l.amountMinor])).toEqual([
      ['PAYMENT', 'service_1', null, 1n],
      ['REFUND', 'service_1', 're_1', 1n],
    ]);
    expect(summary).toEqual({ count: 2, paymentTotalMinor: 1n, refundTotalMinor: 1n });
  });

  it('rejects a missing footer and an unknown business type', async () => {
    await expect(
      collectStatement(parseDetailCsv([[header, row('交易', '0.01')].join('\n')])),
    ).rejects.toThrow(/footer/);
    await expect(
      collectStatement(
        parseDetailCsv([file([row('冻结', '0.01')], '0笔，商家实收共0.00元', '0笔，商家实收退款共0.00元')]),
      ),
    ).rejects.toThrow(/业务类型/);
  });
});
