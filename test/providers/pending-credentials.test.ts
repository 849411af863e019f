import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/index.js';
import { createProviders, type FallbackCredentials } from '../../src/providers/index.js';
import { simulatorCredentials, startSimulators, type StartedSimulators } from '../../src/simulators/index.js';

/**
 * `npm start` builds the service while its simulators start in their own thread: the adapters of the
 * channels the configuration leaves out get the simulators' credentials when they arrive.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'pending-credentials-'));
const logger = createLogger({ level: 'silent' });
const unconfigured = {
  timeoutMs: 2_000,
  wechatpay: undefined,
  wechatpayBaseUrl: undefined,
  alipay: undefined,
  alipayGatewayUrl: undefined,
};
let sims: StartedSimulators;

beforeAll(async () => {
  sims = await startSimulators({ dataDir });
});
afterAll(async () => {
  await sims.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function later(): { credentials: Promise<FallbackCredentials>; arrive: (c: FallbackCredentials) => void } {
  let arrive: (c: FallbackCredentials) => void = () => undefined;
  const credentials = new Promise<FallbackCredentials>((resolve) => (arrive = resolve));
  return { credentials, arrive };
}

const lookup = { refundId: 'RF-none', outTradeNo: 'ORD-none' };
/** Alipay answers a refund query for a trade it never saw with ACQ.TRADE_NOT_EXIST: the call reached it. */
const unknownTrade = { code: 'PAYMENT_NOT_FOUND', providerCode: 'ACQ.TRADE_NOT_EXIST' };

describe('adapters whose credentials arrive later', () => {
  it('have every channel at once; a call made before the credentials waits for them, then reaches the provider', async () => {
    const pending = later();
    const providers = createProviders(unconfigured, pending.credentials, logger);
    expect(providers.has('WECHAT_PAY') && providers.has('ALIPAY')).toBe(true);
    let settled = false;
    const configured = providers.configured.then(() => (settled = true));
    const query = providers.get('ALIPAY').queryRefund(lookup);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    expect(() => providers.get('WECHAT_PAY').acknowledge(true)).toThrow(/no credentials yet/);

    pending.arrive(simulatorCredentials(sims));
    await configured;
    // The simulators have no such trade: the adapters asked them (signed calls, verified answers).
    await expect(query).rejects.toMatchObject(unknownTrade);
    expect(await providers.get('WECHAT_PAY').queryRefund(lookup)).toBeNull();
    expect(providers.get('WECHAT_PAY').acknowledge(true).status).toBe(204);
  });

  it('keep configured credentials as they are, and wait only for the channels left out', async () => {
    const { alipay } = simulatorCredentials(sims);
    const configured = {
      ...unconfigured,
      alipay: {
        appId: alipay!.appId,
        privateKeyPem: alipay!.appPrivateKeyPem,
        alipayPublicKeyPem: alipay!.alipayPublicKeyPem,
      },
      alipayGatewayUrl: alipay!.gatewayUrl,
    };
    const pending = later();
    const providers = createProviders(configured, pending.credentials, logger);
    await expect(providers.get('ALIPAY').queryRefund(lookup)).rejects.toMatchObject(unknownTrade);
    expect(providers.get('ALIPAY').acknowledge(true).status).toBe(200);
    pending.arrive({ wechatpay: simulatorCredentials(sims).wechatpay });
    await providers.configured;
    expect(await providers.get('WECHAT_PAY').queryRefund(lookup)).toBeNull();
  });

  it('say which channel they lack when the credentials come without it, and when they never come', async () => {
    const partial = later();
    const withoutAlipay = createProviders(unconfigured, partial.credentials, logger);
    partial.arrive({ wechatpay: simulatorCredentials(sims).wechatpay });
    await expect(withoutAlipay.configured).rejects.toThrow(/no credentials for ALIPAY/);
    await expect(withoutAlipay.get('ALIPAY').queryRefund(lookup)).rejects.toThrow(/ALIPAY/);

    const failed = createProviders(unconfigured, Promise.reject(new Error('simulator port busy')), logger);
    await expect(failed.configured).rejects.toThrow('simulator port busy');
    await expect(
      failed
        .get('WECHAT_PAY')
        .refund({ ...lookup, amountMinor: 1n, paymentTotalMinor: 1n, currency: 'CNY', reason: 'x' }),
    ).rejects.toThrow('simulator port busy');
  });
});
