import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlOn } from '../../src/db/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder, requestRefund, type PaidOrder } from '../support/builders.js';
import { startDatabaseProxy, type DatabaseProxy } from '../support/db-proxy.js';

/**
 * PostgreSQL unreachable for a while (every connection cut, new ones refused): clients get a coded,
 * retryable error and HTTP 503 with Retry-After, readiness says no, and a retry with the same
 * idempotency key after the outage answers with the refund created before it.
 */
describe('a database outage', () => {
  let t: TestApp;
  let proxy: DatabaseProxy;
  let paid: PaidOrder;
  const logLines: string[] = [];

  beforeAll(async () => {
    const logs = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    t = await startTestApp({
      simulators: true,
      logs: { level: 'info', destination: logs },
      reach: async (url) => {
        proxy = await startDatabaseProxy(url);
        return proxy.url;
      },
    });
    paid = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 5_000 });
  }, 60_000);
  afterAll(async () => {
    await proxy.restore().catch(() => undefined);
    await t.stop();
    await proxy.close();
  });

  const ready = async (): Promise<number> => (await fetch(`${t.url}/readyz`)).status;

  it('answers SERVICE_UNAVAILABLE (retryable, 503, Retry-After); a retry afterwards replays', async () => {
    const before = await requestRefund(t, {
      paymentId: paid.paymentId,
      amountFen: 1_000,
      idempotencyKey: 'outage-key-1',
    });
    expect(before.errors).toBeUndefined();
    const created = before.data!.requestRefund.refund.id;
    expect(await ready()).toBe(200);

    await proxy.cut();
    try {
      // The client never saw the first answer and retries; a second refund is asked for meanwhile.
      for (const key of ['outage-key-1', 'outage-key-2']) {
        const during = await requestRefund(t, {
          paymentId: paid.paymentId,
          amountFen: 1_000,
          idempotencyKey: key,
        });
        expect(during.errors?.[0]?.extensions?.['code']).toBe('SERVICE_UNAVAILABLE');
        expect(during.errors?.[0]?.extensions?.['retryable']).toBe(true);
        expect(during.status).toBe(503);
        expect(Number(during.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect(await ready()).toBe(503);
      // Long enough for the worker's job queue to fail a few polls against the missing database.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    } finally {
      await proxy.restore();
    }

    const deadline = Date.now() + 15_000;
    while ((await ready()) !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await ready()).toBe(200);
    const replay = await requestRefund(t, {
      paymentId: paid.paymentId,
      amountFen: 1_000,
      idempotencyKey: 'outage-key-1',
    });
    expect(replay.errors).toBeUndefined();
    expect(replay.data!.requestRefund).toMatchObject({ replayed: true, refund: { id: created } });
    const second = await requestRefund(t, {
      paymentId: paid.paymentId,
      amountFen: 1_000,
      idempotencyKey: 'outage-key-2',
    });
    expect(second.data!.requestRefund.replayed).toBe(false);
    expect(second.data!.requestRefund.refund.id).not.toBe(created);
  }, 60_000);

  it('refuses provider notifies with 503 and Retry-After, so the provider redelivers them', async () => {
    // A notify signed by the WeChat Pay simulator, caught on its way and sent again during the outage.
    const wechatPaid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_000 });
    const captured = await captureNotify((url) =>
      t.app.simulators!.wechatpay!.sim.sendPaymentNotify(wechatPaid.outTradeNo, url),
    );
    const deliver = () =>
      fetch(`${t.url}/notify/wechatpay`, { method: 'POST', headers: captured.headers, body: captured.body });
    await proxy.cut();
    try {
      const during = await deliver();
      expect(during.status).toBe(503);
      expect(Number(during.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await during.json()).toMatchObject({ code: 'FAIL' });
    } finally {
      await proxy.restore();
    }
    const deadline = Date.now() + 15_000;
    let after = await deliver();
    while (after.status !== 204 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      after = await deliver();
    }
    expect(after.status).toBe(204);
  }, 60_000);

  it('jobs left active by a crash are retried once the refund lease has run out, not later', async () => {
    const queues = await sqlOn(t.app.orm.em.fork()).rows<{ name: string; expire_seconds: number }>(
      `select name, expire_seconds from pgboss.queue where name like 'refunds.submit.%' or name like 'refunds.poll.%' order by name`,
    );
    // REFUND_LEASE_MS is 4000 in test apps.
    expect(queues).toEqual(
      [
        'refunds.poll.ALIPAY',
        'refunds.poll.WECHAT_PAY',
        'refunds.submit.ALIPAY',
        'refunds.submit.WECHAT_PAY',
      ].map((name) => ({ name, expire_seconds: 4 })),
    );
  });

  it('logs job queue errors by code and message, not the database client', () => {
    const queueErrors = logLines
      .map((line) => JSON.parse(line) as { msg: string; error?: Record<string, unknown> })
      .filter((entry) => entry.msg === 'job queue error');
    expect(queueErrors.length).toBeGreaterThan(0);
    for (const entry of queueErrors) {
      expect(Object.keys(entry.error ?? {}).sort()).toEqual(expect.arrayContaining(['message']));
      expect(Object.keys(entry.error ?? {}).every((k) => ['code', 'message'].includes(k))).toBe(true);
      expect(JSON.stringify(entry).length).toBeLessThan(1_000);
    }
  });
});

/** The first request `send` makes the simulator deliver to a local catcher: its body and headers. */
async function captureNotify(
  send: (url: string) => unknown,
): Promise<{ body: Buffer; headers: Record<string, string> }> {
  let resolve!: (value: { body: Buffer; headers: Record<string, string> }) => void;
  const caught = new Promise<{ body: Buffer; headers: Record<string, string> }>((r) => (resolve = r));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(204).end();
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          (e): e is [string, string] =>
            typeof e[1] === 'string' && (e[0].startsWith('wechatpay-') || e[0] === 'content-type'),
        ),
      );
      resolve({ body: Buffer.concat(chunks), headers });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    send(`http://127.0.0.1:${port}/notify`);
    return await caught;
  } finally {
    server.close();
  }
}
