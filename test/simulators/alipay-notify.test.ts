import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/providers/payment-provider.js';
import { createAlipayProvider, type AlipayProvider } from '../../src/providers/alipay/index.js';
import { startAlipaySimulator, type StartedAlipaySimulator } from '../../src/simulators/alipay/index.js';

/** A merchant endpoint: verifies with the adapter and answers with its acknowledgement, unless told to misbehave. */
interface Received {
  readonly raw: Buffer;
  readonly form: Record<string, string>;
  readonly outcome: string;
}

let s: StartedAlipaySimulator;
let foreign: StartedAlipaySimulator;
let provider: AlipayProvider;
let server: Server;
let notifyUrl = '';
const received: Received[] = [];
let answer: (r: Received) => string | null = () => null;
let seq = 0;
const id = (p: string): string => `${p}${Date.now()}${(seq += 1)}`;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'alipay-notify-'));
  // 60_000× compression: the 4-minute first retry takes 4 ms.
  s = await startAlipaySimulator({ dataDir, notifyTimeCompression: 60_000 });
  // Same Alipay key (same data dir), another app: its notifies are validly signed but not ours.
  foreign = await startAlipaySimulator({ dataDir, appId: '2021009999999999' });
  provider = createAlipayProvider({
    appId: s.app.appId,
    appPrivateKeyPem: s.app.privateKeyPem,
    alipayPublicKeyPem: s.alipayPublicKeyPem,
    gatewayUrl: s.gatewayUrl,
    timeoutMs: 2_000,
  });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    const receive = async (raw: Buffer) => {
      let outcome = 'accepted';
      let reply = provider.acknowledge(true);
      try {
        await provider.verifyNotification({ headers: req.headers, rawBody: raw }, new Date());
      } catch (err) {
        outcome = err instanceof ProviderError ? err.code : 'error';
        reply = provider.acknowledge(false);
      }
      const rec = { raw, form: Object.fromEntries(new URLSearchParams(raw.toString('utf8'))), outcome };
      received.push(rec);
      const override = answer(rec);
      res.writeHead(reply.status, reply.headers).end(override ?? reply.body);
    };
    req.on('end', () => void receive(Buffer.concat(chunks)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  notifyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alipay/notify`;
});
afterAll(async () => {
  await s.close();
  await foreign.close();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  answer = () => null;
  s.sim.faults.clear();
});

const forTrade = (outTradeNo: string): Received[] =>
  received.filter((r) => r.form['out_trade_no'] === outTradeNo);

async function refund(outTradeNo: string, refundId: string, amountMinor: bigint): Promise<void> {
  await provider.refund({
    refundId,
    outTradeNo,
    amountMinor,
    paymentTotalMinor: 0n,
    currency: 'CNY',
    reason: '退款',
  });
}

describe('trade_status_sync notifies', () => {
  it('payment then partial then full refund: fields, statuses, cumulative refund_fee, no empty params', async () => {
    const outTradeNo = id('N');
    s.sim.createPayment({ outTradeNo, amountFen: 888n, notifyUrl, subject: '测试商品', sendNotify: true });
    await s.sim.waitForNotifies((d) => d.some((n) => n.outTradeNo === outTradeNo && n.acknowledged));
    await refund(outTradeNo, `${outTradeNo}-1`, 300n);
    await refund(outTradeNo, `${outTradeNo}-2`, 588n);
    await s.sim.waitForNotifies(
      (d) => d.filter((n) => n.outTradeNo === outTradeNo && n.acknowledged).length === 3,
    );
    const [pay, partial, full] = forTrade(outTradeNo);
    expect(pay?.form).toMatchObject({
      trade_status: 'TRADE_SUCCESS',
      total_amount: '8.88',
      notify_type: 'trade_status_sync',
    });
    expect(pay?.form['refund_fee']).toBeUndefined();
    expect(partial?.form).toMatchObject({
      trade_status: 'TRADE_SUCCESS',
      refund_fee: '3.00',
      out_biz_no: `${outTradeNo}-1`,
    });
    expect(partial?.form['gmt_refund']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
    expect(partial?.form['gmt_close']).toBeUndefined();
    expect(full?.form).toMatchObject({
      trade_status: 'TRADE_CLOSED',
      refund_fee: '8.88',
      out_biz_no: `${outTradeNo}-2`,
    });
    expect(full?.form['gmt_close']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    for (const r of [pay, partial, full]) {
      expect(r?.outcome).toBe('accepted');
      expect(Object.values(r?.form ?? {}).every((v) => v !== '')).toBe(true);
      expect(r?.form['sign_type']).toBe('RSA2');
    }
    const events = await Promise.all(
      [pay, partial, full].map((r) =>
        provider.verifyNotification({ headers: {}, rawBody: r?.raw ?? Buffer.alloc(0) }, new Date()),
      ),
    );
    expect(events[0]?.event).toMatchObject({ type: 'PAYMENT_SUCCEEDED', outTradeNo, amountMinor: 888n });
    expect(events[1]).toMatchObject({
      dedupeKey: `alipay:refund:${outTradeNo}-1`,
      event: { type: 'REFUND_STATUS', cumulativeRefundedMinor: 300n, status: 'SUCCEEDED' },
    });
    expect(events[2]?.event).toMatchObject({
      type: 'REFUND_STATUS',
      refundId: `${outTradeNo}-2`,
      cumulativeRefundedMinor: 888n,
    });
  });

  it('resends on the (compressed) schedule until the body is exactly "success", with a constant notify_id', async () => {
    const outTradeNo = id('R');
    let count = 0;
    answer = (r) =>
      r.form['out_trade_no'] === outTradeNo && (count += 1) <= 3
        ? (['SUCCESS', 'success ', 'fail'][count - 1] ?? 'fail')
        : null;
    s.sim.createPayment({ outTradeNo, amountFen: 100n, notifyUrl, sendNotify: true });
    const [delivery] = (
      await s.sim.waitForNotifies((d) => d.some((n) => n.outTradeNo === outTradeNo && n.acknowledged))
    ).filter((n) => n.outTradeNo === outTradeNo);
    expect(delivery?.attempts.map((a) => a.acknowledged)).toEqual([false, false, false, true]);
    const ids = new Set(forTrade(outTradeNo).map((r) => r.form['notify_id']));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toBe(delivery?.notifyId);
    // No more deliveries after the acknowledgement.
    await new Promise((r) => setTimeout(r, 50));
    expect(forTrade(outTradeNo)).toHaveLength(4);
  });

  it('verification rejects forged, tampered, foreign-app and stale notifies; "%" and "+" in subject pass (V2 check)', async () => {
    const outTradeNo = id('V');
    s.sim.createPayment({
      outTradeNo,
      amountFen: 1000n,
      notifyUrl,
      subject: '100% 满意 a+b=c&d',
      sendNotify: true,
    });
    await s.sim.waitForNotifies((d) => d.some((n) => n.outTradeNo === outTradeNo && n.acknowledged));
    const good = forTrade(outTradeNo)[0];
    expect(good?.outcome).toBe('accepted');
    expect(good?.form['subject']).toBe('100% 满意 a+b=c&d');
    const verify = (raw: Buffer, now = new Date()) =>
      provider.verifyNotification({ headers: {}, rawBody: raw }, now);
    const codeOf = async (fn: () => Promise<unknown>): Promise<string> => {
      try {
        await fn();
        return 'accepted';
      } catch (err) {
        return err instanceof ProviderError ? err.code : 'other';
      }
    };
    const tampered = new URLSearchParams(good?.raw.toString('utf8'));
    tampered.set('total_amount', '0.01');
    expect(await codeOf(() => verify(Buffer.from(tampered.toString())))).toBe('INVALID_SIGNATURE');
    const unsigned = new URLSearchParams(good?.raw.toString('utf8'));
    unsigned.delete('sign');
    expect(await codeOf(() => verify(Buffer.from(unsigned.toString())))).toBe('INVALID_SIGNATURE');
    const notifyTime = new Date(Date.parse(`${good?.form['notify_time']?.replace(' ', 'T')}+08:00`));
    expect(
      await codeOf(() => verify(good?.raw ?? Buffer.alloc(0), new Date(notifyTime.getTime() + 6 * 60_000))),
    ).toBe('STALE_TIMESTAMP');
    expect(
      await codeOf(() => verify(good?.raw ?? Buffer.alloc(0), new Date(notifyTime.getTime() + 4 * 60_000))),
    ).toBe('accepted');

    const foreignTrade = id('F');
    foreign.sim.createPayment({ outTradeNo: foreignTrade, amountFen: 100n, notifyUrl, sendNotify: true });
    await foreign.sim.waitForNotifies((d) => d.some((n) => n.attempts.length > 0));
    expect(forTrade(foreignTrade)[0]?.outcome).toBe('MALFORMED_NOTIFICATION');
  });
});

describe('notify faults', () => {
  it('forgeSignature: the client rejects the forged delivery, the genuine resend is accepted', async () => {
    const outTradeNo = id('FG');
    s.sim.faults.add({ endpoint: 'notify.deliver', id: outTradeNo, fault: { kind: 'forgeSignature' } });
    s.sim.createPayment({ outTradeNo, amountFen: 100n, notifyUrl, sendNotify: true });
    await s.sim.waitForNotifies((d) => d.some((n) => n.outTradeNo === outTradeNo && n.acknowledged));
    expect(forTrade(outTradeNo).map((r) => r.outcome)).toEqual(['INVALID_SIGNATURE', 'accepted']);
  });

  it('duplicate: the same notify_id arrives again after the acknowledgement; replayNotify does it on demand', async () => {
    const outTradeNo = id('DU');
    s.sim.faults.add({ endpoint: 'notify.deliver', id: outTradeNo, fault: { kind: 'duplicate', count: 2 } });
    s.sim.createPayment({ outTradeNo, amountFen: 100n, notifyUrl, sendNotify: true });
    await s.sim.waitForNotifies((d) => d.some((n) => n.outTradeNo === outTradeNo && n.attempts.length === 3));
    const delivery = s.sim.notifies().find((n) => n.outTradeNo === outTradeNo);
    await s.sim.replayNotify(delivery?.notifyId ?? '');
    const got = forTrade(outTradeNo);
    expect(got).toHaveLength(4);
    expect(new Set(got.map((r) => r.form['notify_id'])).size).toBe(1);
    expect(got.every((r) => r.outcome === 'accepted')).toBe(true);
  });

  it('drop: never delivered; delay: delivered late', async () => {
    const dropped = id('DR');
    s.sim.faults.add({ endpoint: 'notify.deliver', id: dropped, fault: { kind: 'drop' } });
    s.sim.createPayment({ outTradeNo: dropped, amountFen: 100n, notifyUrl, sendNotify: true });
    const delayed = id('DL');
    s.sim.faults.add({ endpoint: 'notify.deliver', id: delayed, fault: { kind: 'delay', ms: 150 } });
    const started = Date.now();
    s.sim.createPayment({ outTradeNo: delayed, amountFen: 100n, notifyUrl, sendNotify: true });
    await s.sim.waitForNotifies((d) => d.some((n) => n.outTradeNo === delayed && n.acknowledged));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(forTrade(dropped)).toHaveLength(0);
    expect(s.sim.notifies().find((n) => n.outTradeNo === dropped)?.dropped).toBe(true);
  });

  it('reorder: the partial-refund notify arrives after the full-refund notify', async () => {
    const outTradeNo = id('RO');
    s.sim.createPayment({ outTradeNo, amountFen: 888n, notifyUrl });
    s.sim.faults.add({
      endpoint: 'notify.deliver',
      id: `${outTradeNo}-1`,
      fault: { kind: 'custom', name: 'reorder' },
    });
    await refund(outTradeNo, `${outTradeNo}-1`, 300n);
    await refund(outTradeNo, `${outTradeNo}-2`, 588n);
    await s.sim.waitForNotifies(
      (d) => d.filter((n) => n.outTradeNo === outTradeNo && n.acknowledged).length === 2,
    );
    expect(forTrade(outTradeNo).map((r) => [r.form['trade_status'], r.form['refund_fee']])).toEqual([
      ['TRADE_CLOSED', '8.88'],
      ['TRADE_SUCCESS', '3.00'],
    ]);
  });

  it('staleTime: a notify_time outside ±5 min is rejected, the resend with a fresh time is accepted', async () => {
    const outTradeNo = id('ST');
    s.sim.faults.add({
      endpoint: 'notify.deliver',
      id: outTradeNo,
      fault: { kind: 'custom', name: 'staleTime', params: { ms: 600_000 } },
    });
    s.sim.createPayment({ outTradeNo, amountFen: 100n, notifyUrl, sendNotify: true });
    await s.sim.waitForNotifies((d) => d.some((n) => n.outTradeNo === outTradeNo && n.attempts.length >= 1));
    expect(forTrade(outTradeNo)[0]?.outcome).toBe('STALE_TIMESTAMP');
  });
});
