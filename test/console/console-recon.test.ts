import { text } from 'node:stream/consumers';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, tokenFor, type TestApp } from '../support/app.js';
import { newPaidOrder } from '../support/builders.js';
import {
  businessToday,
  paidWithRefund,
  TEST_TIMING_WINDOW_MS,
  MIDNIGHT_WAIT_MS,
} from '../reconciliation/recon.fixtures.js';
import {
  checkPage,
  expectA4Print,
  connectChromium,
  openConsole,
  signInAs,
  type ConsoleTab,
} from './browser.js';

/**
 * Finance in the console after a WeChat Pay day with injected differences of six categories (two
 * amount mismatches, one of each other; TIMING needs the day before and is covered in
 * test/reconciliation/): the report's chart, a resolution, the list, the CSV, the print.
 */
let t: TestApp;
let browser: Browser;
let today: string;
let runId: string;
const tabs: ConsoleTab[] = [];

/** Rows of the by-category chart's table, as the page shows them (zh labels). */
const EXPECTED_CATEGORIES = [
  ['我方缺失', 1],
  ['渠道缺失', 1],
  ['金额不符', 2],
  ['状态不符', 1],
  ['重复', 1],
  ['手续费不符', 1],
] as const;

beforeAll(async () => {
  ({ today } = await businessToday());
  [t, browser] = await Promise.all([
    // The tests' TIMING window (one minute, which businessToday waits out): with the default 15 minutes,
    // the refund the statement leaves out would be TIMING, not MISSING_AT_PROVIDER, near midnight in Shanghai.
    startTestApp({ simulators: true, env: { RECON_TIMING_WINDOW_MS: String(TEST_TIMING_WINDOW_MS) } }),
    connectChromium(),
  ]);
  const sim = t.app.simulators!.wechatpay!.sim;
  const clean = await paidWithRefund(t, 'WECHAT_PAY', 10_000, 2_500);
  const amount1 = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 20_000 });
  const amount2 = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 21_000 });
  const fee = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 30_000 });
  const frozen = await paidWithRefund(t, 'WECHAT_PAY', 5_000, 1_000);
  const dup = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 4_000 });
  const missing = await paidWithRefund(t, 'WECHAT_PAY', 6_000, 600);
  sim.editStatement(today, { op: 'alterRows', outTradeNo: amount1.outTradeNo, amountFen: 19_900 });
  sim.editStatement(today, { op: 'alterRows', outTradeNo: amount2.outTradeNo, amountFen: 21_050 });
  sim.editStatement(today, { op: 'alterRows', outTradeNo: fee.outTradeNo, feeE5: 190_000 });
  sim.editStatement(today, { op: 'alterRows', outRefundNo: frozen.refundId, refundStatus: 'PROCESSING' });
  sim.editStatement(today, { op: 'duplicateRows', outTradeNo: dup.outTradeNo });
  sim.editStatement(today, {
    op: 'addRow',
    kind: 'REFUND',
    outTradeNo: clean.order.outTradeNo,
    outRefundNo: 'PORTAL-REFUND-1',
    amountFen: 300,
    tradeTime: `${today}T11:00:00+08:00`,
  });
  sim.editStatement(today, { op: 'removeRows', outRefundNo: missing.refundId });
  sim.setBillReadyTime(today, new Date(0));
  const ran = await t.gql<{ runReconciliation: { status: string; run: { id: string } } }>(
    `mutation($d: String!) { runReconciliation(provider: wechatpay, billDate: $d) { status run { id } } }`,
    { d: today },
    { role: 'FINANCE', sub: 'fin_1' },
  );
  if (ran.errors) throw new Error(JSON.stringify(ran.errors));
  runId = ran.data!.runReconciliation.run.id;
}, MIDNIGHT_WAIT_MS + 120_000);

afterAll(async () => {
  for (const opened of tabs) await opened.context.close();
  await browser?.close();
  await t?.stop();
});

async function tab(): Promise<ConsoleTab> {
  const opened = await openConsole(browser, t.url);
  tabs.push(opened);
  return opened;
}

describe('finance reads and works a reconciliation in the console', () => {
  it('opens the day’s run: one bar per category with the right counts, resolves one as an adjustment, downloads the CSV, prints on A4', async () => {
    const { page, problems } = await tab();
    await signInAs(page, 'FINANCE', 'fin_2');
    await expect
      .poll(() => page.getByRole('navigation').getByRole('link').allTextContents())
      .toEqual(['退款查询', '运营异常', '总账试算', '对账', '对账差异']);
    await page.getByRole('link', { name: '对账', exact: true }).click();
    const runRow = page.locator('table.runs tbody tr', { hasText: '微信支付' });
    await expect.poll(() => runRow.textContent()).toContain(today);
    // 7 discrepancies, 7 open; the trend's last point is today with 7.
    expect((await runRow.locator('td').allTextContents()).slice(-2)).toEqual([
      expect.stringMatching(/^7 · ¥/),
      '7',
    ]);
    const trendRows = page.locator('#trend-data tbody tr');
    await expect.poll(() => trendRows.count()).toBe(30);
    expect(await trendRows.last().locator('th').textContent()).toBe(today);
    expect(await trendRows.last().locator('td').first().textContent()).toBe('7');
    await checkPage(page, '10-recon-runs');

    await runRow.getByRole('link', { name: today }).click();
    const chart = page.locator('canvas#by-category');
    // Stacked: two datasets (open, resolved), one bar per category in each — six bars on screen.
    await expect.poll(() => chart.getAttribute('data-drawn')).toBe('[6,6]');
    const categoryRows = async () =>
      Promise.all(
        (await page.locator('#by-category-data tbody tr').all()).map((r) =>
          r.locator('th, td').allTextContents(),
        ),
      );
    expect(await categoryRows()).toEqual(
      EXPECTED_CATEGORIES.map(([label, n]) => [label, String(n), '0', String(n)]),
    );
    expect(await page.locator('canvas#totals').getAttribute('data-drawn')).toBe('[2,2]');
    expect(await page.locator('canvas#roll-forward').getAttribute('data-drawn')).toBe('[4]');
    expect(await page.locator('canvas#aging').getAttribute('data-drawn')).toBe('[5]');
    expect(await page.locator('#aging-data tbody tr').first().locator('td').textContent()).toBe('7');
    expect(await page.locator('main table.items tbody tr').count()).toBe(7);
    await checkPage(page, '11-recon-report');
    await expectA4Print(page, '11-recon-report');

    // Resolve one amount mismatch as an adjustment: no note, no submit.
    const row = page.locator('table.items tbody tr[data-category=AMOUNT_MISMATCH]').first();
    const form = row.getByRole('form');
    await form.getByLabel('处理方式').selectOption('ADJUST');
    expect(await form.getByRole('button', { name: '提交' }).isDisabled()).toBe(true);
    await form.getByLabel('备注（必填）').fill('渠道多扣，已向微信支付提交差错处理');
    await form.getByRole('button', { name: '提交' }).click();
    await expect
      .poll(categoryRows)
      .toEqual(
        EXPECTED_CATEGORIES.map(([label, n]) =>
          label === '金额不符' ? [label, '1', '1', '2'] : [label, String(n), '0', String(n)],
        ),
      );
    const facts = page.locator('dl.facts');
    await expect.poll(() => facts.textContent()).toMatch(/未处理6/);
    const resolved = page.locator('table.items tbody tr', { hasText: '渠道多扣' });
    expect(await resolved.textContent()).toContain('fin_2');
    expect(await resolved.textContent()).toContain('调整至挂账');
    await checkPage(page, '12-recon-resolved');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '下载 CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`reconciliation-wechatpay-${today}.csv`);
    // The shared browser runs in another process: read the download through its stream, not a local path.
    const csv = (await text(await download.createReadStream())).trim().split(/\r?\n/);
    expect(csv[0]).toMatch(/^\uFEFF?run_id,provider,bill_date,category,status/);
    expect(csv).toHaveLength(8);
    expect(csv.filter((l) => l.includes('AMOUNT_MISMATCH,RESOLVED'))).toHaveLength(1);
    expect(problems).toEqual([]);
  }, 90_000);

  it('the discrepancy list across runs filters by provider, category, status and age', async () => {
    const { page, problems } = await tab();
    await signInAs(page, 'FINANCE', 'fin_3');
    await page.getByRole('link', { name: '对账差异' }).click();
    const rows = page.locator('table.items tbody tr');
    const filter = (name: string) =>
      page.locator('.filters label', { hasText: new RegExp(`^${name}`) }).locator('select');
    await expect.poll(() => rows.count()).toBe(6); // open by default: one was resolved above
    await filter('类别').selectOption('AMOUNT_MISMATCH');
    await expect.poll(() => rows.count()).toBe(1);
    await filter('状态').selectOption('ANY');
    await expect.poll(() => rows.count()).toBe(2);
    expect(page.url()).toContain('category=AMOUNT_MISMATCH');
    await filter('渠道').selectOption('alipay');
    await expect.poll(() => page.locator('main p.empty').count()).toBe(1);
    await filter('渠道').selectOption('wechatpay');
    await filter('未处理差异账龄').selectOption('D2_3');
    await expect.poll(() => page.locator('main p.empty').count()).toBe(1);
    await filter('未处理差异账龄').selectOption('D0_1');
    await expect.poll(() => rows.count()).toBe(2);
    await checkPage(page, '13-recon-discrepancies');

    // A link must name one of ours: an unknown id is refused and said so, nothing changes.
    await filter('类别').selectOption('MISSING_IN_LEDGER');
    const form = rows.first().getByRole('form');
    await form.getByLabel('处理方式').selectOption('LINK');
    await form.getByLabel('退款号或支付号').fill('rf_nope');
    await form.getByRole('button', { name: '提交' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('NOT_FOUND');
    expect(await rows.first().textContent()).toContain('未处理');
    await checkPage(page, '14-recon-link-refused');
    expect(problems).toEqual([]);
  });

  it('support and customers get neither the pages nor the data', async () => {
    const { page } = await tab();
    await signInAs(page, 'SUPPORT', 'agent_8');
    await expect.poll(() => page.getByRole('navigation').count()).toBe(1);
    expect(await page.getByRole('navigation').getByRole('link').allTextContents()).not.toContain('对账');
    await page.goto(`/console#/recon/${runId}`);
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('您的角色无权查看此页面。');

    for (const role of ['CUSTOMER', 'SUPPORT'] as const) {
      const token = await tokenFor(role, `${role.toLowerCase()}_1`);
      const runs = await t.gql(`{ reconciliationRuns(first: 5) { edges { node { id } } } }`, {}, token);
      expect(runs.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
      const csv = await fetch(`${t.url}/reports/reconciliation/${runId}.csv`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(csv.status).toBe(403);
    }
    expect((await fetch(`${t.url}/reports/reconciliation/${runId}.csv`)).status).toBe(401);
  });
});
