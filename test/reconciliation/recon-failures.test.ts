import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedWechatPaySimulator } from '../../src/simulators/wechatpay/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder } from '../support/builders.js';
import { businessToday, reconcile, MIDNIGHT_WAIT_MS } from './recon.fixtures.js';

/** Bills that are not there yet, not there at all, or not to be trusted: a clear outcome, never a partial run. */
let t: TestApp;
let wx: StartedWechatPaySimulator;
let today: string;
let yesterday: string;
const dir = mkdtempSync(path.join(tmpdir(), 'recon-files-'));

const runsOf = (billDate: string) =>
  t.app.orm.em
    .fork()
    .getConnection()
    .execute<
      { status: string; error_code: string | null; error_line: number | null; file_id: string | null }[]
    >(
      `select status, error_code, error_line, file_id from recon_run where provider = 'wechatpay' and bill_date = ? order by started_at`,
      [billDate],
    );

const count = async (table: string): Promise<number> => {
  const [row] = await t.app.orm.em
    .fork()
    .getConnection()
    .execute<{ n: string }[]>(`select count(*) as n from ${table}`);
  return Number(row?.n);
};

beforeAll(async () => {
  ({ today, yesterday } = await businessToday());
  t = await startTestApp({ simulators: true });
  wx = t.app.simulators!.wechatpay!;
  await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_234 });
}, MIDNIGHT_WAIT_MS + 60_000);

afterAll(async () => t?.stop());

describe('statements that cannot be reconciled (yet)', () => {
  it('a bill not ready yet is NOT_READY and records nothing', async () => {
    wx.sim.setBillReadyTime(today, new Date(Date.now() + 3_600_000));
    expect(await reconcile(t, 'wechatpay', today)).toEqual({ status: 'NOT_READY' });
    expect(await runsOf(today)).toEqual([]);
  });

  it('a day without a bill is recorded as EMPTY (and the ledger side still checked)', async () => {
    wx.sim.setBillReadyTime(yesterday, new Date(0));
    const outcome = await reconcile(t, 'wechatpay', yesterday);
    expect(outcome).toMatchObject({ status: 'EMPTY', discrepancies: 0 });
    expect(await runsOf(yesterday)).toMatchObject([{ status: 'EMPTY', file_id: null }]);
  });

  it('a hash mismatch and a truncated download fail clearly, store nothing, and leave no partial run', async () => {
    wx.sim.setBillReadyTime(today, new Date(0));
    wx.sim.addFault({ endpoint: 'bill.apply', fault: { kind: 'custom', name: 'wrongHash' } });
    await expect(reconcile(t, 'wechatpay', today)).rejects.toMatchObject({ code: 'STATEMENT_CORRUPT' });
    wx.sim.addFault({ endpoint: 'bill.download', fault: { kind: 'custom', name: 'truncate' } });
    await expect(reconcile(t, 'wechatpay', today)).rejects.toMatchObject({ code: 'STATEMENT_CORRUPT' });
    expect(await runsOf(today)).toMatchObject([
      { status: 'FAILED', error_code: 'STATEMENT_CORRUPT', file_id: null },
      { status: 'FAILED', error_code: 'STATEMENT_CORRUPT', file_id: null },
    ]);
    expect(await count('recon_file')).toBe(0);
    expect(await count('recon_item')).toBe(0);
    const ok = await reconcile(t, 'wechatpay', today);
    expect(ok).toMatchObject({ status: 'COMPLETED', discrepancies: 0 });
  });

  it('a statement row with a malformed amount is reported with its line number; nothing is loaded', async () => {
    const file = path.join(dir, 'bad-amount.csv.gz');
    const header =
      '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
    const row = (amount: string, no: string) =>
      `\`${today} 12:00:03,\`wx1,\`1900000100,\`0,\`,\`42000${no},\`ORD${no},\`oU,\`JSAPI,\`SUCCESS,\`OTHERS,\`CNY,\`${amount},\`0.00,\`0,\`0,\`0.00,\`0.00,\`,\`,\`x,\`,\`0.00000,\`0.60%,\`${amount},\`0.00,\``;
    const text = [
      header,
      row('1.00', '1'),
      row('2.00', '2'),
      row('3.0O', '3'),
      '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
      '`3,`6.00,`0.00,`0.00,`0.00000,`6.00,`0.00',
    ].join('\r\n');
    writeFileSync(file, gzipSync(Buffer.from(`\uFEFF${text}\r\n`)));
    const files = await count('recon_file');
    const error = await reconcile(t, 'wechatpay', '2026-01-05', file).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STATEMENT_CORRUPT', details: { line: 4 } });
    expect(await count('recon_file')).toBe(files);
    // The run's staging table went with its transaction.
    const staged = await t.app.orm.em
      .fork()
      .getConnection()
      .execute<{ n: string }[]>(`select count(*) as n from pg_class where relname like 'recon_rows_%'`);
    expect(Number(staged[0]!.n)).toBe(0);
  });
});
