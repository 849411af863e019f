import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/global-setup.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder, requestRefund, waitForRefund } from '../support/builders.js';

const TOKEN = 'metrics-token-0123456789';

describe('Prometheus metrics', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    t = await startTestApp({ simulators: true, env: { METRICS_TOKEN: TOKEN, METRICS_PORT: String(port) } });
    t.app.simulators!.wechatpay!.sim.setRefundLifecycle({ mode: 'immediate' });
  }, 60_000);
  afterAll(async () => t.stop());

  const scrape = async () => {
    const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    return res.text();
  };

  it('is behind the token on the api port, and open on its own port', async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
    expect(
      (await fetch(`${t.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-000000000' } }))
        .status,
    ).toBe(404);
    const own = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('process_cpu_seconds_total');
  });

  it('counts requests, operations, errors, provider calls, refused notifies and reads the gauges', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_000 });
    const refund = await requestRefund(t, {
      idempotencyKey: 'metrics-refund-1',
      paymentId: paid.paymentId,
      amountFen: 1_000,
    });
    await waitForRefund(t, refund.data!.requestRefund.refund.id, (r) => r.status === 'SUCCEEDED');
    // A replay creates nothing, so it counts nothing.
    const replay = await requestRefund(t, {
      idempotencyKey: 'metrics-refund-1',
      paymentId: paid.paymentId,
      amountFen: 1_000,
    });
    expect(replay.data!.requestRefund.replayed).toBe(true);
    await t.gql('query Mine { viewer { subject } }', {}, { role: 'CUSTOMER', sub: 'c_1' });
    await t.gql('query Broken { refund(id: "\\u0000") { id } }', {}, { role: 'ADMIN', sub: 'root' });
    await fetch(`${t.url}/notify/wechatpay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'wechatpay-signature': 'forged' },
      body: '{}',
    });
    const text = await scrape();
    expect(text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/graphql"[^}]*\} \d+/);
    expect(text).toMatch(/graphql_operation_duration_seconds_count\{[^}]*operation="Mine"[^}]*\} 1/);
    expect(text).toMatch(/graphql_errors_total\{[^}]*operation="Broken",code="BAD_USER_INPUT"[^}]*\} 1/);
    expect(text).toMatch(
      /provider_call_duration_seconds_count\{[^}]*provider="WECHAT_PAY",call="refund",outcome="ok"[^}]*\} \d+/,
    );
    expect(text).toMatch(/notify_verification_failures_total\{[^}]*provider="WECHAT_PAY"[^}]*\} \d+/);
    expect(text).toMatch(/ledger_trial_balance_difference_minor\{[^}]*currency="CNY"[^}]*\} 0/);
    expect(text).toContain('job_queue_waiting');
    expect(text).toContain('refunds_open');
    // The only refund of this file's database: created once, settled once.
    expect(text).toMatch(/refunds_entered_total\{[^}]*status="PENDING",channel="WECHAT_PAY"[^}]*\} 1\n/);
    expect(text).toMatch(/refunds_entered_total\{[^}]*status="SUCCEEDED",channel="WECHAT_PAY"[^}]*\} 1\n/);
    expect(text).toMatch(/db_connections\{[^}]*state="active"[^}]*\} \d+/);
  }, 60_000);
});
