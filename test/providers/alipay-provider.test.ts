import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/providers/payment-provider.js';
import { createAlipayProvider, type AlipayProvider } from '../../src/providers/alipay/index.js';
import { startAlipaySimulator, type StartedAlipaySimulator } from '../../src/simulators/alipay/index.js';

let s: StartedAlipaySimulator;
let provider: AlipayProvider;
let seq = 0;
const id = (p: string): string => `${p}${Date.now()}${(seq += 1)}`;

beforeAll(async () => {
  s = await startAlipaySimulator({ dataDir: mkdtempSync(join(tmpdir(), 'alipay-prov-')) });
  provider = createAlipayProvider({
    appId: s.app.appId,
    appPrivateKeyPem: s.app.privateKeyPem,
    alipayPublicKeyPem: s.alipayPublicKeyPem,
    gatewayUrl: s.gatewayUrl,
    timeoutMs: 800,
  });
});
afterAll(async () => s.close());
beforeEach(() => s.sim.faults.clear());

function paid(amountFen: bigint): { outTradeNo: string; refundId: string } {
  const outTradeNo = id('ORD');
  s.sim.createPayment({ outTradeNo, amountFen });
  return { outTradeNo, refundId: `${outTradeNo}-RF1` };
}

const request = (o: { outTradeNo: string; refundId: string }, amountMinor: bigint) => ({
  ...o,
  amountMinor,
  paymentTotalMinor: amountMinor,
  currency: 'CNY',
  reason: '商品已售完',
});

async function providerError(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('refund', () => {
  it('fund_change=Y → SUCCEEDED; a replay (fund_change=N) is confirmed by the query; funds move once', async () => {
    const o = paid(1230n);
    const first = await provider.refund(request(o, 1230n));
    expect(first).toMatchObject({ status: 'SUCCEEDED', refundId: o.refundId, amountMinor: 1230n });
    expect(first.succeededAt).toBeInstanceOf(Date);
    const replay = await provider.refund(request(o, 1230n));
    expect(replay).toMatchObject({ status: 'SUCCEEDED', amountMinor: 1230n });
    expect(s.sim.fundMovements(o.refundId)).toBe(1);
    expect(s.sim.requests('alipay.trade.refund').at(-1)?.biz).toMatchObject({
      refund_amount: '12.30',
      out_request_no: o.refundId,
    });
  });

  it('a stuck refund is PROCESSING and queryRefund returns null until it completes', async () => {
    const o = paid(500n);
    s.sim.faults.add({
      endpoint: 'alipay.trade.refund',
      id: o.refundId,
      fault: { kind: 'forceStatus', status: 'PROCESSING' },
    });
    expect((await provider.refund(request(o, 200n))).status).toBe('PROCESSING');
    expect(await provider.queryRefund(o)).toBeNull();
    s.sim.completeRefund(o.outTradeNo, o.refundId);
    expect(await provider.queryRefund(o)).toMatchObject({ status: 'SUCCEEDED', amountMinor: 200n });
  });

  it('queryRefund returns null for a refund the provider never saw', async () => {
    const o = paid(500n);
    expect(await provider.queryRefund(o)).toBeNull();
  });

  it.each([
    ['insufficientBalance', { kind: 'insufficientBalance' }, 'INSUFFICIENT_MERCHANT_BALANCE', true],
    ['systemErrorThenSuccess', { kind: 'systemErrorThenSuccess' }, 'PROVIDER_UNAVAILABLE', true],
    ['rateLimited', { kind: 'rateLimited' }, 'RATE_LIMITED', true],
    [
      'httpError 502',
      { kind: 'httpError', status: 502, code: 'BAD_GATEWAY', message: 'Bad Gateway' },
      'PROVIDER_UNAVAILABLE',
      true,
    ],
    ['timeoutBeforeApply', { kind: 'timeoutBeforeApply', hangMs: 3_000 }, 'TIMEOUT', true],
    [
      'ACQ.SYSTEM_ERROR',
      { kind: 'custom', name: 'systemError', params: { code: 'ACQ.SYSTEM_ERROR' } },
      'PROVIDER_UNAVAILABLE',
      true,
    ],
    ['userAccountAbnormal', { kind: 'userAccountAbnormal' }, 'USER_ACCOUNT_ABNORMAL', false],
  ] as const)(
    'fault %s → %s, and the retry with the same number succeeds exactly once',
    async (_name, fault, code, retryable) => {
      const o = paid(800n);
      s.sim.faults.add({ endpoint: 'alipay.trade.refund', id: o.refundId, fault });
      const err = await providerError(provider.refund(request(o, 800n)));
      expect(err.code).toBe(code);
      expect(err.retryable).toBe(retryable);
      expect(s.sim.fundMovements(o.refundId)).toBe(0);
      expect(await provider.refund(request(o, 800n))).toMatchObject({ status: 'SUCCEEDED' });
      expect(s.sim.fundMovements(o.refundId)).toBe(1);
    },
  );

  it.each([
    ['timeoutAfterApply', { kind: 'timeoutAfterApply', hangMs: 3_000 }, 'TIMEOUT', 1],
    ['connectionReset after apply', { kind: 'connectionReset', afterApply: true }, 'NETWORK', 2],
    ['badResponseSignature', { kind: 'badResponseSignature' }, 'BAD_RESPONSE_SIGNATURE', 1],
    [
      '20000 after apply',
      { kind: 'custom', name: 'systemErrorAfterApply', params: { code: '20000' } },
      'PROVIDER_UNAVAILABLE',
      1,
    ],
  ] as const)(
    '%s: refund already applied, retry answers fund_change=N and still SUCCEEDED',
    async (_name, fault, code, times) => {
      const o = paid(800n);
      // times: 2 for resets because urllib (under alipay-sdk) silently retries once on a socket error.
      s.sim.faults.add({ endpoint: 'alipay.trade.refund', id: o.refundId, times, fault });
      expect((await providerError(provider.refund(request(o, 800n)))).code).toBe(code);
      expect(s.sim.fundMovements(o.refundId)).toBe(1);
      expect(await provider.refund(request(o, 800n))).toMatchObject({
        status: 'SUCCEEDED',
        amountMinor: 800n,
      });
      expect(s.sim.fundMovements(o.refundId)).toBe(1);
    },
  );

  it("connection reset before apply: NETWORK (after urllib's own silent retry), then the retry succeeds once", async () => {
    const o = paid(800n);
    s.sim.faults.add({
      endpoint: 'alipay.trade.refund',
      id: o.refundId,
      times: 2,
      fault: { kind: 'connectionReset' },
    });
    const err = await providerError(provider.refund(request(o, 800n)));
    expect(err).toMatchObject({ code: 'NETWORK', retryable: true });
    expect(s.sim.fundMovements(o.refundId)).toBe(0);
    expect(await provider.refund(request(o, 800n))).toMatchObject({ status: 'SUCCEEDED' });
    expect(s.sim.fundMovements(o.refundId)).toBe(1);
    // Two reset attempts (ours + urllib's silent retry) and the successful third.
    expect(
      s.sim.requests('alipay.trade.refund').filter((r) => r.biz['out_request_no'] === o.refundId),
    ).toHaveLength(3);
  });

  it("a single reset is absorbed by urllib's silent socket retry; the same number keeps it exactly-once", async () => {
    const o = paid(800n);
    s.sim.faults.add({
      endpoint: 'alipay.trade.refund',
      id: o.refundId,
      fault: { kind: 'connectionReset', afterApply: true },
    });
    expect(await provider.refund(request(o, 800n))).toMatchObject({ status: 'SUCCEEDED' });
    expect(s.sim.fundMovements(o.refundId)).toBe(1);
    expect(
      s.sim.requests('alipay.trade.refund').filter((r) => r.biz['out_request_no'] === o.refundId),
    ).toHaveLength(2);
  });

  it('latency beyond the timeout is a TIMEOUT', async () => {
    const o = paid(100n);
    s.sim.faults.add({
      endpoint: 'alipay.trade.refund',
      id: o.refundId,
      fault: { kind: 'latency', ms: 1_500 },
    });
    expect((await providerError(provider.refund(request(o, 100n)))).code).toBe('TIMEOUT');
  });

  it.each([
    ['DISCORDANT_REPEAT_REQUEST', 'REFUND_NUMBER_CONFLICT'],
    ['TRADE_NOT_EXIST', 'PAYMENT_NOT_FOUND'],
    ['REFUND_AMT_NOT_EQUAL_TOTAL', 'AMOUNT_INVALID'],
    ['TRADE_HAS_FINISHED', 'REFUND_NOT_ALLOWED'],
  ] as const)('business refusal ACQ.%s → definitive %s', async (sub, code) => {
    const o = paid(1000n);
    if (sub === 'DISCORDANT_REPEAT_REQUEST') await provider.refund(request(o, 100n));
    if (sub === 'TRADE_HAS_FINISHED') s.sim.setTradeState(o.outTradeNo, { status: 'TRADE_FINISHED' });
    const target = sub === 'TRADE_NOT_EXIST' ? { ...o, outTradeNo: 'does-not-exist' } : o;
    const amount = sub === 'REFUND_AMT_NOT_EQUAL_TOTAL' ? 1001n : 200n;
    const err = await providerError(provider.refund(request(target, amount)));
    expect(err.code).toBe(code);
    expect(err.providerCode).toBe(`ACQ.${sub}`);
    expect(err.retryable).toBe(false);
  });

  it('a gateway that rejects our signature is AUTH_REJECTED', async () => {
    const wrong = createAlipayProvider({
      appId: s.app.appId,
      appPrivateKeyPem: (await import('node:crypto'))
        .generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs1', format: 'pem' })
        .toString(),
      alipayPublicKeyPem: s.alipayPublicKeyPem,
      gatewayUrl: s.gatewayUrl,
      timeoutMs: 2_000,
    });
    const o = paid(100n);
    const err = await providerError(wrong.refund(request(o, 100n)));
    expect(err).toMatchObject({
      code: 'AUTH_REJECTED',
      providerCode: 'isv.invalid-signature',
      retryable: false,
    });
  });
});
