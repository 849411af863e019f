import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTime } from '../../src/console/web/format.js';
import { CONSOLE_CSP } from '../../src/console/index.js';
import { startTestApp, tokenFor, type TestApp } from '../support/app.js';
import { reportCase } from '../cases/cases.fixtures.js';
import { newPaidOrder, requestRefund, waitForRefund, type PaidOrder } from '../support/builders.js';
import {
  checkPage,
  expectA4Print,
  connectChromium,
  openConsole,
  signInAs,
  type ConsoleTab,
} from './browser.js';

let t: TestApp;
let browser: Browser;
let order: PaidOrder;
let refundId: string;
let portalRefundId: string;
const tabs: ConsoleTab[] = [];

async function tab(): Promise<ConsoleTab> {
  const opened = await openConsole(browser, t.url);
  tabs.push(opened);
  return opened;
}

beforeAll(async () => {
  [t, browser] = await Promise.all([startTestApp({ simulators: true }), connectChromium()]);
  order = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 123_450 });
  const requested = await requestRefund(t, {
    paymentId: order.paymentId,
    amountFen: 30_000,
    reason: '汤洒了',
  });
  refundId = requested.data!.requestRefund.refund.id;
  // A refund made at the provider behind our back: its signed notify becomes an ops exception.
  portalRefundId = `portal_${randomUUID().slice(0, 8)}`;
  await t.app.providers.get('WECHAT_PAY').refund({
    refundId: portalRefundId,
    outTradeNo: order.outTradeNo,
    amountMinor: 500n,
    paymentTotalMinor: 123_450n,
    currency: 'CNY',
    reason: 'refunded in the merchant portal',
    notifyUrl: `${t.url}/notify/wechatpay`,
  });
  await waitForRefund(t, refundId, (r) => r.status === 'SUCCEEDED');
});

afterAll(async () => {
  for (const opened of tabs) await opened.context.close();
  await browser?.close();
  await t?.stop();
});

describe('serving /console', () => {
  it('serves the page with a strict CSP, hashed immutable assets and nothing inline', async () => {
    const page = await fetch(`${t.url}/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    expect(html).not.toMatch(/<style|<script(?![^>]*\ssrc=)|\sstyle=|\son\w+=/i);
    const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      expect(asset).toMatch(/-[A-Z0-9]{8}\.(js|css)$/);
      const response = await fetch(`${t.url}${asset}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(await response.text()).not.toMatch(/https?:\/\/(cdn|unpkg|fonts\.googleapis)/);
    }
    const revalidated = await fetch(`${t.url}/console`, {
      headers: { 'if-none-match': page.headers.get('etag')! },
    });
    expect(revalidated.status).toBe(304);
    expect((await fetch(`${t.url}/console/assets/main-NOPE0000.js`)).status).toBe(404);
  });

  it('mints development tokens only for a real role and a plain subject', async () => {
    const mint = (body: unknown) =>
      fetch(`${t.url}/console/dev-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await mint({ role: 'ROOT', subject: 'x' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
    expect((await mint({ role: 'SUPPORT', subject: '<script>' })).status).toBe(400);
    const good = (await (await mint({ role: 'FINANCE', subject: 'fin_9' })).json()) as { token: string };
    const viewer = await t.gql<{ viewer: { role: string; subject: string } }>(
      `{ viewer { role subject } }`,
      {},
      good.token,
    );
    expect(viewer.data!.viewer).toEqual({ role: 'FINANCE', subject: 'fin_9' });
  });
});

describe('support in the console', () => {
  it('signs in with the role picker, keeps the token out of URLs, and looks up a refund with its events', async () => {
    const { page, problems } = await tab();
    await checkPage(page, '01-sign-in');
    await signInAs(page, 'SUPPORT', 'agent_7');
    const nav = page.getByRole('navigation');
    await expect
      .poll(() => nav.getByRole('link').allTextContents())
      .toEqual(['售后工单', '退款查询', '运营异常']);
    await expect.poll(() => page.locator('header').textContent()).toContain('agent_7');

    const token = await page.evaluate(() => sessionStorage.getItem('console.token'));
    expect(token).toMatch(/^ey/);
    expect(await page.evaluate(() => Object.keys(localStorage))).not.toContain('console.token');

    await page.getByRole('link', { name: '退款查询' }).click();
    await page.getByLabel('退款号、订单号或商户退款单号（out_refund_no）').fill(refundId);
    await page.getByRole('button', { name: '查询' }).click();
    const row = page.locator('tbody tr', { hasText: refundId });
    await expect.poll(() => row.textContent()).toContain('¥300.00');
    expect(await row.textContent()).toContain('成功');
    await checkPage(page, '02-refund-lookup');

    await row.getByRole('link', { name: refundId }).click();
    await expect.poll(() => page.locator('table tbody tr').count()).toBeGreaterThanOrEqual(3);
    const events = await page.locator('table tbody tr').allTextContents();
    expect(events.join('\n')).toMatch(/待提交[\s\S]*处理中[\s\S]*成功/);
    const refund = await t.gql<{ refund: { createdAt: string } }>(
      `query($id: ID!) { refund(id: $id) { createdAt } }`,
      { id: refundId },
      { role: 'SUPPORT', sub: 'agent_7' },
    );
    // The browser runs in New York; the page shows Asia/Shanghai.
    expect(await page.locator('dl.facts').textContent()).toContain(formatTime(refund.data!.refund.createdAt));
    await checkPage(page, '03-refund-detail');

    await page.goto(`/console#/refunds?q=${order.orderId}`);
    await expect.poll(() => page.locator('main').textContent()).toContain('¥1,234.50');
    // Refundable: ¥1,234.50 less our ¥300.00 (the portal's refund is an exception, not ours).
    expect(await page.locator('main').textContent()).toContain('¥934.50');
    await checkPage(page, '04-order-lookup');

    expect(page.url()).not.toContain(token!);
    expect(problems).toEqual([]);
  });
});

describe('support reads a case', () => {
  it('opens a reported case by id: the claim, the evidence, the order with its payment and refunds with their events', async () => {
    const reported = await reportCase(t, order.customerId, {
      orderId: order.orderId,
      type: 'DAMAGED',
      description: '汤洒了一袋子，米饭也湿了',
      evidence: ['https://img.example.com/spill-1.jpg'],
      remedy: 'PARTIAL_REFUND',
      amount: '12.00',
    });
    expect(reported.errors).toBeUndefined();
    const caseId = reported.data!.reportCase.id;

    const { page, problems } = await tab();
    await signInAs(page, 'SUPPORT', 'agent_5');
    await page.getByRole('link', { name: '售后工单' }).click();
    await page.getByLabel('工单号').fill(caseId);
    await page.getByRole('button', { name: '查询' }).click();
    await expect.poll(() => page.locator('blockquote').textContent()).toBe('汤洒了一袋子，米饭也湿了');
    const facts = (await page.locator('dl.facts').textContent())!;
    expect(facts).toContain('餐品损坏');
    expect(facts).toContain('部分退款 ¥12.00');
    expect(facts).toContain('¥1,234.50');
    expect(
      await page.getByRole('link', { name: 'https://img.example.com/spill-1.jpg' }).getAttribute('rel'),
    ).toBe('noopener noreferrer');
    const refundCard = page.locator('.card', { hasText: refundId });
    expect(await refundCard.locator('tbody tr').count()).toBeGreaterThanOrEqual(3);
    await checkPage(page, '03b-case');

    const stranger = await t.gql(
      `query($id: ID!) { case(id: $id) { id } }`,
      { id: caseId },
      { role: 'CUSTOMER', sub: 'c_other' },
    );
    expect(stranger.data).toEqual({ case: null });
    expect(problems).toEqual([]);
  });
});

describe('support works the queue', () => {
  it('takes a case from the queue, decides a partial refund on the case page and sees the refund reach SUCCEEDED; another agent reviews the merchant’s appeal', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 88_800 });
    const reported = await reportCase(t, paid.customerId, {
      orderId: paid.orderId,
      // WRONG_ITEM is never decided by the automatic review: it waits for a person.
      type: 'WRONG_ITEM',
      description: '送来的凉菜不是我点的那一份',
      evidence: ['https://img.example.com/wrong-dish.jpg'],
      remedy: 'PARTIAL_REFUND',
      amount: '18.00',
    });
    expect(reported.errors).toBeUndefined();
    const caseId = reported.data!.reportCase.id;
    expect(reported.data!.reportCase.status).toBe('IN_REVIEW');

    const { page, problems } = await tab();
    await signInAs(page, 'SUPPORT', 'agent_3');
    await page.getByRole('link', { name: '售后工单' }).click();
    const filter = (name: string) =>
      page.locator('.filters label', { hasText: new RegExp(`^${name}`) }).locator('select');
    await filter('问题类型').selectOption('WRONG_ITEM');
    await filter('处理人').selectOption('unassigned');
    const row = page.locator('table.queue tbody tr', { hasText: caseId });
    await expect.poll(() => row.textContent()).toContain('送错');
    expect(await row.textContent()).toContain('部分退款 ¥18.00');
    // The counts are the API's for the same filter: this one case is in review.
    const inReview = page.locator('ul.counts strong[data-status=IN_REVIEW]');
    await expect.poll(() => inReview.textContent()).toBe('1');
    expect(page.url()).toContain('type=WRONG_ITEM');
    await checkPage(page, '03a-case-queue');

    await row.getByRole('button', { name: '领取' }).click();
    // Taken: no longer unassigned, so it leaves this view and the count follows.
    await expect.poll(() => inReview.textContent()).toBe('0');
    await filter('处理人').selectOption('mine');
    await expect.poll(() => row.textContent()).toContain('agent_3');
    await row.getByRole('link', { name: caseId }).click();

    const form = page.getByRole('form', { name: '做出决定' });
    await form.getByLabel('决定').selectOption('PARTIAL_REFUND');
    await form.getByLabel('金额（元）').fill('18.00');
    await form.getByLabel('责任方').selectOption('MERCHANT');
    await form.getByLabel('说明（会告知顾客）').fill('少送凉菜，按菜价退款');
    await checkPage(page, '03c-case-decide');
    await form.getByRole('button', { name: '提交决定' }).click();

    const decisions = page.locator('section', { has: page.getByRole('heading', { name: '处理决定' }) });
    await expect.poll(() => decisions.locator('tbody tr').count()).toBe(1);
    expect(await decisions.locator('tbody tr').textContent()).toContain('¥18.00');
    const refundCard = page.locator('.card', { hasText: '¥18.00' });
    await expect.poll(() => refundCard.locator('h3').textContent(), { timeout: 20_000 }).toContain('成功');
    expect(await page.getByRole('form', { name: '做出决定' }).count()).toBe(0);
    const audit = page.locator('table.audit tbody tr');
    expect((await audit.allTextContents()).join('\n')).toContain('agent_3');
    await checkPage(page, '03d-case-refunded');

    // The merchant appeals; the second review is another agent's.
    await expect
      .poll(
        async () =>
          (
            await t.gql<{ case: { status: string } }>(
              `query($id: ID!) { case(id: $id) { status } }`,
              { id: caseId },
              { role: 'SUPPORT', sub: 'agent_3' },
            )
          ).data?.case.status,
        { timeout: 20_000 },
      )
      .toBe('RESOLVED');
    const appealed = await t.gql(
      `mutation($id: ID!) { appealCase(caseId: $id, statement: "凉菜是按单出餐的，骑手拿错了") { id } }`,
      { id: caseId },
      { role: 'MERCHANT', sub: paid.merchantId },
    );
    expect(appealed.errors).toBeUndefined();
    const second = await tab();
    await signInAs(second.page, 'SUPPORT', 'agent_4');
    await second.page.goto(`/console#/cases/${caseId}`);
    const review = second.page.getByRole('form', { name: '二次复核' });
    await review.getByLabel('改判').check();
    await review.getByLabel('改由谁承担').selectOption('PLATFORM');
    await review.getByLabel('复核说明').fill('出餐记录显示商户无误，由平台承担');
    await checkPage(second.page, '03e-case-appeal');
    await review.getByRole('button', { name: '提交复核' }).click();
    const appeals = second.page.locator('section', {
      has: second.page.getByRole('heading', { name: '申诉与复核' }),
    });
    await expect.poll(() => appeals.locator('.card h3').textContent()).toContain('已改判');
    expect(await appeals.textContent()).toContain('出餐记录显示商户无误');
    expect(await second.page.getByRole('form', { name: '二次复核' }).count()).toBe(0);
    await checkPage(second.page, '03f-case-reviewed');
    expect(problems).toEqual([]);
    expect(second.problems).toEqual([]);
  }, 90_000);
});

describe('support handles an ABNORMAL refund', () => {
  it('finds it among ABNORMAL refunds and settles it manually with a note', async () => {
    t.app.simulators!.wechatpay!.sim.setRefundLifecycle({ mode: 'immediate', outcome: 'ABNORMAL' });
    const requested = await requestRefund(t, { paymentId: order.paymentId, amountFen: 1_050 });
    const abnormalId = requested.data!.requestRefund.refund.id;
    await waitForRefund(t, abnormalId, (r) => r.status === 'ABNORMAL');

    const { page, problems } = await tab();
    await signInAs(page, 'SUPPORT', 'agent_9');
    await page.getByRole('link', { name: '退款查询' }).click();
    await page.getByLabel('状态').selectOption('ABNORMAL');
    const row = page.locator('tbody tr', { hasText: abnormalId });
    await expect.poll(() => row.textContent()).toContain('¥10.50');
    await row.getByRole('link', { name: abnormalId }).click();
    const actions = page.getByRole('form', { name: '处理异常退款' });
    await actions.getByLabel('说明（必填）').fill('顾客银行卡已注销，已通过银行转账退款');
    await checkPage(page, '04b-refund-abnormal');
    await actions.getByRole('button', { name: '已线下打款：标记成功' }).click();
    await expect.poll(() => page.locator('dl.facts').textContent()).toContain('MANUAL');
    expect(await page.getByRole('form', { name: '处理异常退款' }).count()).toBe(0);
    const settled = await waitForRefund(t, abnormalId, (r) => r.status === 'SUCCEEDED');
    expect(settled.settledBy).toBe('MANUAL');
    expect(problems).toEqual([]);
  });
});

describe('finance in the console', () => {
  it('sees the trial balance, resolves an ops exception, and reads it all in English', async () => {
    const { page, problems } = await tab();
    await signInAs(page, 'FINANCE', 'fin_1');
    await expect
      .poll(() => page.getByRole('navigation').getByRole('link').allTextContents())
      .toEqual(['退款查询', '运营异常', '总账试算', '对账', '对账差异']);
    await page.getByRole('link', { name: '总账试算' }).click();
    const line = page.locator('table.trial-balance tbody tr', { hasText: 'CNY' });
    await expect.poll(() => line.textContent()).toContain('平衡');
    await checkPage(page, '05-ledger');
    await expectA4Print(page, '05-ledger');

    // The clearing account's statement: the payment in, the succeeded refund out, running balance.
    await page.getByRole('link', { name: 'provider:wechatpay:clearing' }).click();
    // The trial balance's own rows match the locator below until the statement page replaces them.
    await expect.poll(() => page.locator('main h1 code').textContent()).toBe('provider:wechatpay:clearing');
    const lines = page.locator('main table tbody tr');
    await expect.poll(() => lines.count()).toBeGreaterThanOrEqual(2);
    expect(await lines.first().textContent()).toContain('¥1,234.50');
    expect(await lines.filter({ hasText: refundId }).textContent()).toContain('¥934.50');
    await checkPage(page, '05b-account-statement');
    await page.goBack();

    await page.getByRole('link', { name: '运营异常' }).click();
    const item = page.locator('li', { hasText: portalRefundId });
    await expect.poll(() => item.count(), { timeout: 15_000 }).toBe(1);
    expect(await item.textContent()).toContain('UNKNOWN_REFUND');
    await checkPage(page, '06-exceptions');
    await item.getByLabel('处理说明').fill('商户后台退款，已与商户核实');
    await item.getByRole('button', { name: '标记为已处理' }).click();
    await expect.poll(() => page.locator('li', { hasText: portalRefundId }).count()).toBe(0);
    const stored = await t.gql<{
      opsExceptions: { edges: { node: { referenceId: string; resolvedBy: string } }[] };
    }>(
      `{ opsExceptions(first: 50, filter: { resolved: true }) { edges { node { referenceId resolvedBy } } } }`,
      {},
      { role: 'FINANCE', sub: 'fin_1' },
    );
    expect(stored.data!.opsExceptions.edges.map((e) => e.node)).toContainEqual({
      referenceId: portalRefundId,
      resolvedBy: 'fin_1',
    });

    await page.getByRole('button', { name: 'English' }).click();
    await page.getByLabel('Status').selectOption('resolved');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Ops exceptions');
    await expect.poll(() => page.locator('li', { hasText: portalRefundId }).textContent()).toContain('fin_1');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await checkPage(page, '07-exceptions-resolved-en');
    expect(problems).toEqual([]);
  });
});

describe('who may not use the console', () => {
  it('turns a customer away at sign-in, whichever way the token comes, and the API refuses the data', async () => {
    const { page, problems } = await tab();
    await signInAs(page, 'CUSTOMER', order.customerId);
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('此后台仅供客服、财务和管理员使用');
    expect(await page.getByRole('navigation').count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.getItem('console.token'))).toBeNull();

    const customerToken = await tokenFor('CUSTOMER', order.customerId);
    await page.getByLabel('令牌（JWT）').fill(customerToken);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('此后台仅供客服、财务和管理员使用');
    await checkPage(page, '08-customer-refused');

    // A customer token planted in the tab and a deep link: still the sign-in page, no data.
    await page.evaluate((token) => sessionStorage.setItem('console.token', token), customerToken);
    await page.goto('/console#/exceptions');
    await page.reload();
    await expect.poll(() => page.locator('h1').textContent()).toBe('登录');
    expect(await page.locator('body').textContent()).not.toContain(portalRefundId);
    expect(await page.evaluate(() => sessionStorage.getItem('console.token'))).toBeNull();

    const exceptions = await t.gql(
      `{ opsExceptions(first: 5) { edges { node { id } } } }`,
      {},
      customerToken,
    );
    expect(exceptions.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const other = await t.gql(
      `query($id: ID!) { refund(id: $id) { id } }`,
      { id: refundId },
      { role: 'CUSTOMER', sub: 'c_other' },
    );
    expect(other.data).toEqual({ refund: null });
    expect(problems).toEqual([]);
  });

  it('support does not get finance pages', async () => {
    const { page } = await tab();
    await signInAs(page, 'SUPPORT', 'agent_8');
    await expect.poll(() => page.getByRole('navigation').count()).toBe(1);
    await page.goto('/console#/ledger');
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('您的角色无权查看此页面。');
  });
});

describe('in production', () => {
  it('is off unless enabled, and never offers the development sign-in', async () => {
    const production = { NODE_ENV: 'production', SIMULATORS: 'false' };
    const off = await startTestApp({ env: production });
    try {
      expect((await fetch(`${off.url}/console`)).status).toBe(404);
      expect((await fetch(`${off.url}/console/dev-token`, { method: 'POST' })).status).toBe(404);
    } finally {
      await off.stop();
    }
    const on = await startTestApp({ env: { ...production, CONSOLE_ENABLED: 'true' } });
    try {
      expect((await fetch(`${on.url}/console`)).status).toBe(200);
      expect(await (await fetch(`${on.url}/console/options`)).json()).toEqual({ devSignIn: false });
      const mint = await fetch(`${on.url}/console/dev-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'ADMIN', subject: 'x' }),
      });
      expect(mint.status).toBe(404);
    } finally {
      await on.stop();
    }
  });
});
