import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/notifications/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder, requestRefund, waitForRefund } from '../support/builders.js';

const SECRET = 'webhook-secret-for-tests';

describe('customer notifications pushed to the messaging webhook', () => {
  let t: TestApp;
  let server: Server;
  const received: { body: string; signature: string | undefined; id: string | undefined }[] = [];
  let failuresLeft = 1;

  beforeAll(async () => {
    // The receiver fails the first delivery: the notification must be retried, not lost.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (failuresLeft-- > 0) {
          res.writeHead(503).end();
          return;
        }
        received.push({
          body,
          signature: req.headers['x-signature'] as string | undefined,
          id: req.headers['x-notification-id'] as string | undefined,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/refunds`;
    t = await startTestApp({
      simulators: true,
      env: { NOTIFY_WEBHOOK_URL: url, NOTIFY_WEBHOOK_SECRET: SECRET },
    });
    t.app.simulators!.wechatpay!.sim.setRefundLifecycle({ mode: 'immediate' });
  }, 60_000);

  afterAll(async () => {
    await t.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  it('delivers the refund-completed message once, signed, after a failed attempt', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_500 });
    const refundId = (await requestRefund(t, { paymentId: paid.paymentId, amountFen: 1_500 })).data!
      .requestRefund.refund.id;
    await waitForRefund(t, refundId, (r) => r.status === 'SUCCEEDED');

    const deadline = Date.now() + 20_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(1);
    const [delivery] = received;
    expect(delivery!.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const now = Math.floor(Date.now() / 1000);
    expect(verifyWebhook(SECRET, delivery!.signature, delivery!.body, now)).toBe(true);
    expect(verifyWebhook(SECRET, delivery!.signature, delivery!.body, now + 600)).toBe(false); // a late replay
    const payload = JSON.parse(delivery!.body) as {
      recipientId: string;
      kind: string;
      data: { refundId: string };
    };
    expect(payload).toMatchObject({
      recipientId: paid.customerId,
      kind: 'REFUND_SUCCEEDED',
      data: { refundId },
    });

    const [row] = await t.app.orm.em
      .fork()
      .getConnection()
      .execute<{ delivery_status: string; delivery_attempts: number }[]>(
        `select delivery_status, delivery_attempts from notification where id = ?`,
        [delivery!.id],
      );
    expect(row).toEqual({ delivery_status: 'DELIVERED', delivery_attempts: 2 });
  }, 40_000);
});
