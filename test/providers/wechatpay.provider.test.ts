import { createCipheriv, createSign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderRefundRequest } from '../../src/providers/payment-provider.js';
import { expectProviderError, ids, startHarness, waitFor, type Harness } from './wechatpay.harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

function newPaidRefund(prefix: string, totalFen = 1000, refundFen = 300): ProviderRefundRequest {
  const { outTradeNo, refundId } = ids(prefix);
  h.started.sim.createPayment({ outTradeNo, amountFen: totalFen });
  return {
    refundId,
    outTradeNo,
    amountMinor: BigInt(refundFen),
    paymentTotalMinor: BigInt(totalFen),
    currency: 'CNY',
    reason: '商品已售完',
  };
}

describe('wechatpay adapter: refunds through the real SDK', () => {
  it('applies, queries, and reaches SUCCESS by notify', async () => {
    const req = newPaidRefund('ok');
    const res = await h.provider.refund(req);
    expect(res).toMatchObject({
      status: 'PROCESSING',
      refundId: req.refundId,
      amountMinor: 300n,
      succeededAt: null,
    });
    expect(res.providerRefundId).toMatch(/^503\d+$/);
    h.clock.advance(60_000);
    await waitFor(() =>
      h.received.some((n) => n.notification?.dedupeKey === `wechatpay:refund:${req.refundId}:SUCCESS`),
    );
    const q = await h.provider.queryRefund(req);
    expect(q?.status).toBe('SUCCEEDED');
    expect(q?.succeededAt).toBeInstanceOf(Date);
    expect(await h.provider.queryRefund({ refundId: 'RNOPE', outTradeNo: 'x' })).toBeNull();
  });

  it('truncates the reason to 80 characters', async () => {
    const req = { ...newPaidRefund('reason'), reason: '退'.repeat(100) };
    await h.provider.refund(req);
    expect([...(h.started.sim.getRefund(req.refundId)?.reason ?? '')].length).toBe(80);
  });

  it('maps definitive refusals', async () => {
    const req = newPaidRefund('def');
    expect((await expectProviderError(h.provider.refund({ ...req, paymentTotalMinor: 999n }))).code).toBe(
      'AMOUNT_INVALID',
    );
    expect((await expectProviderError(h.provider.refund({ ...req, amountMinor: 5000n }))).code).toBe(
      'AMOUNT_INVALID',
    );
    expect((await expectProviderError(h.provider.refund({ ...req, outTradeNo: 'TUNKNOWN' }))).code).toBe(
      'PAYMENT_NOT_FOUND',
    );
    await h.provider.refund(req);
    const conflict = await expectProviderError(h.provider.refund({ ...req, amountMinor: 200n }));
    expect(conflict).toMatchObject({
      code: 'REFUND_NUMBER_CONFLICT',
      retryable: false,
      providerCode: 'INVALID_REQUEST',
    });
    expect(h.started.sim.refundsCreated(req.refundId)).toBe(1);
  });

  const faultCases = [
    {
      kind: 'timeoutBeforeApply',
      fault: { kind: 'timeoutBeforeApply', hangMs: 2000 },
      code: 'TIMEOUT',
      applied: 0,
    },
    {
      kind: 'timeoutAfterApply',
      fault: { kind: 'timeoutAfterApply', hangMs: 2000 },
      code: 'TIMEOUT',
      applied: 1,
    },
    { kind: 'connectionReset', fault: { kind: 'connectionReset' }, code: 'NETWORK', applied: 0 },
    {
      kind: 'connectionReset after apply',
      fault: { kind: 'connectionReset', afterApply: true },
      code: 'NETWORK',
      applied: 1,
    },
    {
      kind: 'httpError 502',
      fault: { kind: 'httpError', status: 502, code: 'SERVICE_UNAVAILABLE', message: '网关错误' },
      code: 'PROVIDER_UNAVAILABLE',
      applied: 0,
    },
    {
      kind: 'httpError 202',
      fault: { kind: 'httpError', status: 202, code: 'ACCEPTED', message: '处理中' },
      code: 'PROVIDER_UNAVAILABLE',
      applied: 0,
    },
    {
      kind: 'systemErrorThenSuccess',
      fault: { kind: 'systemErrorThenSuccess' },
      code: 'PROVIDER_UNAVAILABLE',
      applied: 1,
    },
    { kind: 'rateLimited', fault: { kind: 'rateLimited' }, code: 'RATE_LIMITED', applied: 0 },
    {
      kind: 'insufficientBalance',
      fault: { kind: 'insufficientBalance' },
      code: 'INSUFFICIENT_MERCHANT_BALANCE',
      applied: 0,
    },
    {
      kind: 'badResponseSignature forged',
      fault: { kind: 'badResponseSignature' },
      code: 'BAD_RESPONSE_SIGNATURE',
      applied: 1,
    },
    {
      kind: 'badResponseSignature tampered',
      fault: { kind: 'badResponseSignature', mode: 'tamperedBody' },
      code: 'BAD_RESPONSE_SIGNATURE',
      applied: 1,
    },
    {
      kind: 'badResponseSignature unknown serial',
      fault: { kind: 'badResponseSignature', mode: 'unknownSerial' },
      code: 'BAD_RESPONSE_SIGNATURE',
      applied: 1,
    },
    {
      kind: 'badResponseSignature stale',
      fault: { kind: 'badResponseSignature', mode: 'staleTimestamp' },
      code: 'BAD_RESPONSE_SIGNATURE',
      applied: 1,
    },
  ] as const;

  it.each(faultCases)(
    'fault $kind → $code, and a retry with the same number creates exactly one refund',
    async ({ fault, code, applied }) => {
      const req = newPaidRefund('fault');
      h.started.sim.addFault({ endpoint: 'refund.create', id: req.refundId, fault });
      const err = await expectProviderError(h.provider.refund(req));
      expect(err.code).toBe(code);
      expect(err.retryable).toBe(true);
      expect(h.started.sim.refundsCreated(req.refundId)).toBe(applied);
      const retry = await h.provider.refund(req);
      expect(retry.status).toBe('PROCESSING');
      expect(h.started.sim.refundsCreated(req.refundId)).toBe(1);
      expect(h.started.sim.refundRequests(req.refundId)).toBe(2);
    },
  );

  it('userAccountAbnormal is definitive; latency below the timeout is harmless', async () => {
    const a = newPaidRefund('uaa');
    h.started.sim.addFault({
      endpoint: 'refund.create',
      id: a.refundId,
      fault: { kind: 'userAccountAbnormal' },
    });
    expect(await expectProviderError(h.provider.refund(a))).toMatchObject({
      code: 'USER_ACCOUNT_ABNORMAL',
      retryable: false,
    });
    const b = newPaidRefund('lat');
    h.started.sim.addFault({
      endpoint: 'refund.create',
      id: b.refundId,
      fault: { kind: 'latency', ms: 150 },
    });
    const t0 = Date.now();
    await h.provider.refund(b);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('query faults are reachable too', async () => {
    const req = newPaidRefund('qf');
    await h.provider.refund(req);
    h.started.sim.addFault({
      endpoint: 'refund.query',
      id: req.refundId,
      calls: [1],
      fault: { kind: 'rateLimited' },
    });
    expect((await expectProviderError(h.provider.queryRefund(req))).code).toBe('RATE_LIMITED');
    expect((await h.provider.queryRefund(req))?.status).toBe('PROCESSING');
  });

  it.each(['SUCCESS', 'CLOSED'] as const)(
    'forceStatus %s is returned at once and notified',
    async (status) => {
      const req = newPaidRefund(`force${status}`);
      h.started.sim.addFault({
        endpoint: 'refund.create',
        id: req.refundId,
        fault: { kind: 'forceStatus', status },
      });
      const res = await h.provider.refund(req);
      expect(res.status).toBe(status === 'SUCCESS' ? 'SUCCEEDED' : 'CLOSED');
      await waitFor(() =>
        h.received.some((n) => n.notification?.dedupeKey === `wechatpay:refund:${req.refundId}:${status}`),
      );
    },
  );

  it('forceStatus PROCESSING stays stuck until forced', async () => {
    const req = newPaidRefund('stuck');
    h.started.sim.addFault({
      endpoint: 'refund.create',
      id: req.refundId,
      fault: { kind: 'forceStatus', status: 'PROCESSING' },
    });
    await h.provider.refund(req);
    h.clock.advance(3_600_000);
    await new Promise((r) => setTimeout(r, 30));
    expect((await h.provider.queryRefund(req))?.status).toBe('PROCESSING');
  });

  it('ABNORMAL → apply-abnormal-refund → PROCESSING → SUCCESS', async () => {
    const req = newPaidRefund('abn');
    h.started.sim.addFault({
      endpoint: 'refund.create',
      id: req.refundId,
      fault: { kind: 'forceStatus', status: 'ABNORMAL' },
    });
    const res = await h.provider.refund(req);
    expect(res.status).toBe('ABNORMAL');
    await waitFor(() =>
      h.received.some((n) => n.notification?.dedupeKey === `wechatpay:refund:${req.refundId}:ABNORMAL`),
    );
    const applied = await h.provider.applyAbnormalRefund({
      providerRefundId: res.providerRefundId ?? '',
      refundId: req.refundId,
      type: 'MERCHANT_BANK_CARD',
    });
    expect(applied.status).toBe('PROCESSING');
    const again = await expectProviderError(
      h.provider.applyAbnormalRefund({
        providerRefundId: res.providerRefundId ?? '',
        refundId: req.refundId,
        type: 'MERCHANT_BANK_CARD',
      }),
    );
    expect(again.code).toBe('REFUND_NOT_ALLOWED');
    h.clock.advance(60_000);
    await waitFor(() =>
      h.received.some((n) => n.notification?.dedupeKey === `wechatpay:refund:${req.refundId}:SUCCESS`),
    );
  });
});

describe('wechatpay notifies', () => {
  it('retries on the (compressed) real schedule until acknowledged', async () => {
    const req = newPaidRefund('retry');
    await h.provider.refund(req);
    // Only this refund's notifies: earlier tests' deliveries may still be retrying.
    h.failNext(3, req.refundId);
    h.clock.advance(60_000);
    await waitFor(() =>
      h.started.sim
        .notifyDeliveries()
        .some((d) => d.outRefundNo === req.refundId && d.state === 'acknowledged'),
    );
    const d = h.started.sim.notifyDeliveries().find((x) => x.outRefundNo === req.refundId);
    expect(d?.attempts.map((a) => a.status)).toEqual([500, 500, 500, 204]);
    // 15s, 15s, 30s compressed 1000× → at least ~60 ms between first and last attempt.
    const span = (d?.attempts.at(-1)?.realAt.getTime() ?? 0) - (d?.attempts[0]?.realAt.getTime() ?? 0);
    expect(span).toBeGreaterThanOrEqual(55);
    expect(
      new Set(
        h.received
          .filter(
            (n) =>
              n.notification?.event.type === 'REFUND_STATUS' &&
              n.notification.event.refundId === req.refundId,
          )
          .map((n) => n.notification?.notifyId),
      ).size,
    ).toBe(1);
  });

  it.each([
    ['signatureProbe', 'probe', 'SIGNATURE_PROBE'],
    ['forgeSignature', 'forged', 'INVALID_SIGNATURE'],
    ['corruptCiphertext', 'corrupt', 'DECRYPTION_FAILED'],
  ] as const)(
    '%s is rejected by the adapter, then the proper notify is accepted',
    async (kind, variant, code) => {
      const req = newPaidRefund(kind);
      h.started.sim.addFault({ endpoint: 'notify.deliver', id: req.refundId, fault: { kind } });
      h.started.sim.addFault({
        endpoint: 'refund.create',
        id: req.refundId,
        fault: { kind: 'forceStatus', status: 'SUCCESS' },
      });
      const before = h.received.length;
      await h.provider.refund(req);
      await waitFor(() =>
        h.started.sim
          .notifyDeliveries()
          .some((d) => d.outRefundNo === req.refundId && d.state === 'acknowledged'),
      );
      const d = h.started.sim.notifyDeliveries().find((x) => x.outRefundNo === req.refundId);
      expect(d?.attempts[0]).toMatchObject({ variant, acknowledged: false });
      expect(d?.taintedAccepted).toBe(false);
      expect(h.received.slice(before).map((r) => r.code ?? 'OK')).toEqual([code, 'OK']);
    },
  );

  it('duplicate, drop, payment notify and reorder', async () => {
    const dup = newPaidRefund('dup');
    h.started.sim.addFault({
      endpoint: 'notify.deliver',
      id: dup.refundId,
      fault: { kind: 'duplicate', count: 2 },
    });
    h.started.sim.addFault({
      endpoint: 'refund.create',
      id: dup.refundId,
      fault: { kind: 'forceStatus', status: 'SUCCESS' },
    });
    await h.provider.refund(dup);
    await h.started.sim.notifiesIdle();
    const got = h.received.filter(
      (n) => n.notification?.dedupeKey === `wechatpay:refund:${dup.refundId}:SUCCESS`,
    );
    expect(got).toHaveLength(3);
    expect(new Set(got.map((g) => g.notification?.notifyId)).size).toBe(1);

    const drop = newPaidRefund('drop');
    h.started.sim.addFault({ endpoint: 'notify.deliver', id: drop.refundId, fault: { kind: 'drop' } });
    h.started.sim.addFault({
      endpoint: 'refund.create',
      id: drop.refundId,
      fault: { kind: 'forceStatus', status: 'SUCCESS' },
    });
    await h.provider.refund(drop);
    await h.started.sim.notifiesIdle();
    expect(h.started.sim.notifyDeliveries().find((d) => d.outRefundNo === drop.refundId)?.state).toBe(
      'dropped',
    );
    expect(h.received.some((n) => n.notification?.dedupeKey.includes(drop.refundId))).toBe(false);

    const { outTradeNo } = ids('paynotify');
    h.started.sim.holdNotifies();
    h.started.sim.createPayment({ outTradeNo, amountFen: 888, notifyUrl: h.notifyUrl, sendNotify: true });
    const late = newPaidRefund('reorder');
    h.started.sim.addFault({
      endpoint: 'refund.create',
      id: late.refundId,
      fault: { kind: 'forceStatus', status: 'SUCCESS' },
    });
    await h.provider.refund(late);
    const before = h.received.length;
    await h.started.sim.releaseNotifies('reverse');
    const order = h.received.slice(before).map((n) => n.notification?.event.type);
    expect(order).toEqual(['REFUND_STATUS', 'PAYMENT_SUCCEEDED']);
    const pay = h.received.at(-1)?.notification;
    expect(pay?.event).toMatchObject({
      type: 'PAYMENT_SUCCEEDED',
      outTradeNo,
      amountMinor: 888n,
      currency: 'CNY',
    });
    expect(pay?.dedupeKey).toMatch(/^wechatpay:transaction:4200\d+:SUCCESS$/);

    const replayed = await h.started.sim.replayNotify(
      h.started.sim.notifyDeliveries().at(-1)?.deliveryId ?? '',
    );
    expect(replayed.acknowledged).toBe(true);
  });

  it('delay reorders notifies: a delayed earlier event arrives after a later one', async () => {
    const first = newPaidRefund('delay1');
    const second = newPaidRefund('delay2');
    h.started.sim.addFault({
      endpoint: 'notify.deliver',
      id: first.refundId,
      fault: { kind: 'delay', ms: 150 },
    });
    for (const r of [first, second]) {
      h.started.sim.addFault({
        endpoint: 'refund.create',
        id: r.refundId,
        fault: { kind: 'forceStatus', status: 'SUCCESS' },
      });
      await h.provider.refund(r);
    }
    await h.started.sim.notifiesIdle();
    const order = h.received
      .map((n) => (n.notification?.event.type === 'REFUND_STATUS' ? n.notification.event.refundId : ''))
      .filter((id) => id === first.refundId || id === second.refundId);
    expect(order).toEqual([second.refundId, first.refundId]);
  });

  it('rejects stale timestamps, wrong AAD, foreign mchid and unknown serials in verifyNotification', async () => {
    const { merchant, platform } = h.started;
    const build = (opts: { aad?: string; envAad?: string; mchid?: string; ts?: number; serial?: string }) => {
      const resource = {
        mchid: opts.mchid ?? merchant.mchid,
        out_trade_no: 'T1',
        transaction_id: '42',
        refund_id: '503',
        out_refund_no: 'R1',
        refund_status: 'SUCCESS',
        success_time: '2024-05-01T12:00:00+08:00',
        amount: { total: 10, refund: 10, payer_total: 10, payer_refund: 10 },
      };
      const nonce = 'abcdefghijkl';
      const c = createCipheriv('aes-256-gcm', Buffer.from(merchant.apiV3Key), Buffer.from(nonce));
      c.setAAD(Buffer.from(opts.aad ?? 'refund'));
      const ct = Buffer.concat([c.update(JSON.stringify(resource)), c.final(), c.getAuthTag()]).toString(
        'base64',
      );
      const body = JSON.stringify({
        id: 'EV-1',
        event_type: 'REFUND.SUCCESS',
        resource_type: 'encrypt-resource',
        summary: '退款成功',
        resource: {
          original_type: 'refund',
          algorithm: 'AEAD_AES_256_GCM',
          ciphertext: ct,
          associated_data: opts.envAad ?? 'refund',
          nonce,
        },
      });
      const ts = String(opts.ts ?? Math.floor(Date.now() / 1000));
      // Sign with the simulator's public-key-mode private key, read back from its data dir.
      const signature = createSign('RSA-SHA256')
        .update(`${ts}\nNONCE\n${body}\n`)
        .sign(platformKey, 'base64');
      return {
        headers: {
          'wechatpay-timestamp': ts,
          'wechatpay-nonce': 'NONCE',
          'wechatpay-signature': signature,
          'wechatpay-serial': opts.serial ?? platform.publicKeyId,
        },
        rawBody: Buffer.from(body),
      };
    };
    const code = async (fn: () => Promise<unknown>): Promise<string> => {
      try {
        await fn();
        return 'OK';
      } catch (err) {
        return (err as { code: string }).code;
      }
    };
    expect(await code(() => h.provider.verifyNotification(build({}), new Date()))).toBe('OK');
    expect(await code(() => h.provider.verifyNotification(build({ aad: 'transaction' }), new Date()))).toBe(
      'DECRYPTION_FAILED',
    );
    expect(
      await code(() =>
        h.provider.verifyNotification(build({ ts: Math.floor(Date.now() / 1000) - 400 }), new Date()),
      ),
    ).toBe('STALE_TIMESTAMP');
    expect(await code(() => h.provider.verifyNotification(build({ mchid: '1999999999' }), new Date()))).toBe(
      'MALFORMED_NOTIFICATION',
    );
    expect(
      await code(() => h.provider.verifyNotification(build({ serial: 'PUB_KEY_ID_0000' }), new Date())),
    ).toBe('INVALID_SIGNATURE');
    const tampered = build({});
    expect(
      await code(() =>
        h.provider.verifyNotification(
          { ...tampered, rawBody: Buffer.from(tampered.rawBody.toString().replace('EV-1', 'EV-2')) },
          new Date(),
        ),
      ),
    ).toBe('INVALID_SIGNATURE');
    expect(h.provider.acknowledge(true)).toEqual({ status: 204, headers: {}, body: '' });
    expect(h.provider.acknowledge(false)).toMatchObject({
      status: 401,
      body: JSON.stringify({ code: 'FAIL', message: '失败' }),
    });
  });
});

let platformKey = '';
beforeAll(async () => {
  const { readFile } = await import('node:fs/promises');
  const { sharedDataDir } = await import('./wechatpay.harness.js');
  platformKey = await readFile(`${sharedDataDir}/platform-public-key.key.pem`, 'utf8');
});

describe('wechatpay mixed signing mode', () => {
  it('notifies arrive under both the public key and certificate serials and all verify', async () => {
    const mixed = await startHarness({ signingMode: 'mixed', mixedNotifyPublicKeyShare: 0.5 });
    try {
      for (let i = 0; i < 12; i++) {
        mixed.started.sim.createPayment({
          outTradeNo: `TMIX${i}`,
          amountFen: 100 + i,
          notifyUrl: mixed.notifyUrl,
          sendNotify: true,
        });
      }
      await mixed.started.sim.notifiesIdle();
      expect(mixed.received.filter((r) => r.ok)).toHaveLength(12);
      const serials = new Set(
        mixed.started.sim.notifyDeliveries().map((d) => d.attempts[0]?.serial.startsWith('PUB_KEY_ID_')),
      );
      // 12 fair coin flips are all one side with probability 2/4096.
      expect(serials).toEqual(new Set([true, false]));
    } finally {
      await mixed.close();
    }
  });
});
