import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlipaySimulator, type StartedAlipaySimulator } from '../../src/simulators/alipay/index.js';

let s: StartedAlipaySimulator;
let sdk: AlipaySdk;

beforeAll(async () => {
  s = await startAlipaySimulator({ dataDir: mkdtempSync(join(tmpdir(), 'alipay-v3-')) });
  sdk = new AlipaySdk({
    appId: s.app.appId,
    privateKey: s.app.privateKeyPem,
    alipayPublicKey: s.alipayPublicKeyPem,
    endpoint: s.url,
  });
});
afterAll(async () => s.close());

const errorOf = async (p: Promise<unknown>): Promise<Record<string, unknown>> =>
  p.then(
    () => ({ thrown: false }),
    (e: unknown) => ({ thrown: true, ...(e as Record<string, unknown>), message: (e as Error).message }),
  );

describe('OpenAPI v3 (curl)', () => {
  it('refund and query with ALIPAY-SHA256withRSA; the SDK verifies the signed response headers', async () => {
    s.sim.createPayment({ outTradeNo: 'V3-1', amountFen: 500n });
    const refund = await sdk.curl<Record<string, string>>('POST', '/v3/alipay/trade/refund', {
      body: { out_trade_no: 'V3-1', refund_amount: '2.00', out_request_no: 'V3-1-R' },
    });
    expect(refund.responseHttpStatus).toBe(200);
    expect(refund.data).toMatchObject({ fund_change: 'Y', refund_fee: '2.00', out_trade_no: 'V3-1' });
    expect(refund.data['code']).toBeUndefined();
    const query = await sdk.curl<Record<string, string>>('POST', '/v3/alipay/trade/fastpay/refund/query', {
      body: { out_trade_no: 'V3-1', out_request_no: 'V3-1-R' },
    });
    expect(query.data['refund_status']).toBe('REFUND_SUCCESS');
    expect(s.sim.fundMovements('V3-1-R')).toBe(1);
  });

  it('business errors are HTTP 400 {code,message,links} ⚠; GET bill query carries biz in the query string', async () => {
    const err = await errorOf(
      sdk.curl('POST', '/v3/alipay/trade/refund', {
        body: { out_trade_no: 'nope', refund_amount: '1.00', out_request_no: 'x' },
      }),
    );
    expect(err).toMatchObject({ thrown: true, code: 'TRADE_NOT_EXIST', responseHttpStatus: 400 });
    const bill = await errorOf(
      sdk.curl('GET', '/v3/alipay/data/dataservice/bill/downloadurl/query', {
        query: { bill_type: 'trade', bill_date: '2000-01-01' },
      }),
    );
    expect(bill).toMatchObject({ thrown: true, code: 'isp.bill_not_exist', responseHttpStatus: 400 });
  });

  it('rejects a foreign request signature (401) and the SDK rejects a forged response signature', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const foreignKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    const wrong = new AlipaySdk({
      appId: s.app.appId,
      privateKey: foreignKey,
      alipayPublicKey: s.alipayPublicKeyPem,
      endpoint: s.url,
    });
    expect(
      await errorOf(wrong.curl('POST', '/v3/alipay/trade/query', { body: { out_trade_no: 'V3-1' } })),
    ).toMatchObject({
      thrown: true,
      responseHttpStatus: 401,
      code: 'invalid-signature',
    });
    s.sim.faults.add({ endpoint: 'alipay.trade.query', id: 'V3-1', fault: { kind: 'badResponseSignature' } });
    const forged = await errorOf(
      sdk.curl('POST', '/v3/alipay/trade/query', { body: { out_trade_no: 'V3-1' } }),
    );
    expect(forged['thrown']).toBe(true);
    expect(String(forged['message'])).toMatch(/signature|验签/i);
  });
});
