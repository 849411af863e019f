import { createHash, createSign, createVerify, X509Certificate } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import WxPay from 'wechatpay-node-v3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimClock } from '../../src/simulators/shared/clock.js';
import { createFaultEngine, UnsupportedFaultError } from '../../src/simulators/shared/faults.js';
import {
  createWechatPayControlClient,
  startWechatPaySimulator,
  WECHAT_BILL_HEADERS,
  type StartedWechatPaySimulator,
} from '../../src/simulators/wechatpay/index.js';
import { gcmDecrypt } from '../../src/simulators/wechatpay/wechatpay-crypto.js';
import { createPlatformKeyring } from '../../src/providers/wechatpay/platform-keyring.js';
import { WechatPayHttp } from '../../src/providers/wechatpay/wechatpay.http.js';
import { createWechatPayProvider } from '../../src/providers/wechatpay/index.js';
import { providerConfig, sharedDataDir, START } from '../providers/wechatpay.harness.js';
import { parsedDownload } from '../support/statements.js';

/** The test's own CSV reading, independent of the adapter's parser. */
function csv(text: string): string[][] {
  const rows: unknown = parse(text, {
    bom: true,
    relax_column_count: true,
    quote: false,
    skip_empty_lines: true,
  });
  return rows as string[][];
}

let s: StartedWechatPaySimulator;
const clock = createSimClock({ start: START, frozen: true });
beforeAll(async () => {
  s = await startWechatPaySimulator({
    port: 0,
    dataDir: sharedDataDir,
    clock,
    refundLifecycle: { mode: 'manual' },
  });
});
afterAll(async () => s.close());

interface SignOpts {
  readonly key?: string;
  readonly ts?: number;
  readonly serial?: string;
  readonly headers?: Record<string, string>;
}

/** A hand-rolled merchant signer (independent of the SDK) to probe the simulator's verification. */
async function call(method: string, target: string, body: unknown, opts: SignOpts = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  const ts = String(opts.ts ?? Math.floor(Date.now() / 1000));
  const nonce = 'N0NCE1234567890';
  const signature = createSign('RSA-SHA256')
    .update(`${method}\n${target}\n${ts}\n${nonce}\n${text}\n`)
    .sign(opts.key ?? s.merchant.privateKeyPem, 'base64');
  // Pairs deliberately in a different order from the SDK's.
  const auth = `WECHATPAY2-SHA256-RSA2048 signature="${signature}",serial_no="${opts.serial ?? s.merchant.serialNo}",timestamp="${ts}",nonce_str="${nonce}",mchid="${s.merchant.mchid}"`;
  const res = await fetch(`${s.url}${target}`, {
    method,
    headers: {
      authorization: auth,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...opts.headers,
    },
    body: body === undefined ? null : text,
  });
  const raw = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    raw,
    json: raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
  };
}

function verifiedBy(headers: Headers, raw: string, publicKeyPem: string): boolean {
  const msg = `${headers.get('wechatpay-timestamp')}\n${headers.get('wechatpay-nonce')}\n${raw}\n`;
  return createVerify('RSA-SHA256')
    .update(msg)
    .verify(publicKeyPem, headers.get('wechatpay-signature') ?? '', 'base64');
}

let n = 0;
function pay(amountFen = 1000, successTime?: Date): string {
  n += 1;
  const outTradeNo = `TS${n}`;
  s.sim.createPayment({ outTradeNo, amountFen, ...(successTime ? { successTime } : {}) });
  return outTradeNo;
}
const refundBody = (outTradeNo: string, outRefundNo: string, refund: number, total = 1000) => ({
  out_trade_no: outTradeNo,
  out_refund_no: outRefundNo,
  amount: { refund, total, currency: 'CNY' },
});

describe('request signatures', () => {
  it('accepts a valid signature (serial in any case) and signs every answer, errors included', async () => {
    const ok = await call('GET', '/v3/refund/domestic/refunds/NOPE', undefined, {
      serial: s.merchant.serialNo.toLowerCase(),
    });
    expect(ok.status).toBe(404);
    expect(ok.json['code']).toBe('RESOURCE_NOT_EXISTS');
    expect(ok.headers.get('wechatpay-serial')).toBe(s.platform.publicKeyId);
    expect(ok.headers.get('request-id')).toBeTruthy();
    expect(verifiedBy(ok.headers, ok.raw, s.platform.publicKeyPem)).toBe(true);
  });

  it.each([
    ['a foreign key', { key: 'other' }],
    ['a stale timestamp', { ts: Math.floor(Date.now() / 1000) - 6 * 60 }],
    ['a future timestamp', { ts: Math.floor(Date.now() / 1000) + 6 * 60 }],
    ['an unknown serial', { serial: 'ABCDEF' }],
  ] as [string, SignOpts][])('rejects %s with a signed 401 SIGN_ERROR', async (_label, opts) => {
    const res = await call('GET', '/v3/refund/domestic/refunds/X', undefined, {
      ...opts,
      ...(opts.key ? { key: otherKey } : {}),
    });
    expect(res.status).toBe(401);
    expect(res.json['code']).toBe('SIGN_ERROR');
    expect(verifiedBy(res.headers, res.raw, s.platform.publicKeyPem)).toBe(true);
  });

  it('rejects a body that differs from the signed one', async () => {
    const outTradeNo = pay();
    const signedFor = JSON.stringify(refundBody(outTradeNo, 'RSIG1', 100));
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = createSign('RSA-SHA256')
      .update(`POST\n/v3/refund/domestic/refunds\n${ts}\nX\n${signedFor}\n`)
      .sign(s.merchant.privateKeyPem, 'base64');
    const res = await fetch(`${s.url}/v3/refund/domestic/refunds`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${s.merchant.mchid}",nonce_str="X",timestamp="${ts}",serial_no="${s.merchant.serialNo}",signature="${sig}"`,
      },
      body: JSON.stringify(refundBody(outTradeNo, 'RSIG1', 900)),
    });
    expect(res.status).toBe(401);
    expect(s.sim.refundsCreated('RSIG1')).toBe(0);
  });
});

describe('refund rules', () => {
  it('validates the field set, one trade id, currency', async () => {
    const t = pay();
    expect(
      (await call('POST', '/v3/refund/domestic/refunds', { ...refundBody(t, 'RV1', 100), mchid: '1' })).json,
    ).toMatchObject({ code: 'PARAM_ERROR', detail: { field: '/mchid' } });
    expect(
      (
        await call('POST', '/v3/refund/domestic/refunds', {
          ...refundBody(t, 'RV2', 100),
          transaction_id: '4200',
        })
      ).json['code'],
    ).toBe('PARAM_ERROR');
    expect(
      (
        await call('POST', '/v3/refund/domestic/refunds', {
          out_refund_no: 'RV3',
          amount: { refund: 1, total: 1000, currency: 'CNY' },
        })
      ).json['code'],
    ).toBe('PARAM_ERROR');
    expect(
      (
        await call('POST', '/v3/refund/domestic/refunds', {
          ...refundBody(t, 'RV4', 100),
          amount: { refund: 100, total: 1000, currency: 'USD' },
        })
      ).json['code'],
    ).toBe('PARAM_ERROR');
    expect(
      (await call('POST', '/v3/refund/domestic/refunds', refundBody(t, 'RV5', 100, 999))).json,
    ).toMatchObject({ code: 'PARAM_ERROR', detail: { field: '/amount/total' } });
    expect(s.sim.listRefunds().filter((r) => r.outTradeNo === t)).toHaveLength(0);
  });

  it('replays the same content idempotently (key order irrelevant) and refuses changed content', async () => {
    const t = pay();
    const first = await call('POST', '/v3/refund/domestic/refunds', refundBody(t, 'RI1', 300));
    expect(first.status).toBe(200);
    expect(first.json['status']).toBe('PROCESSING');
    s.sim.forceRefundStatus('RI1', 'SUCCESS');
    const reordered = {
      amount: { currency: 'CNY', total: 1000, refund: 300 },
      out_refund_no: 'RI1',
      out_trade_no: t,
    };
    const replay = await call('POST', '/v3/refund/domestic/refunds', reordered);
    expect(replay.json).toMatchObject({ refund_id: first.json['refund_id'], status: 'SUCCESS' });
    const changed = await call('POST', '/v3/refund/domestic/refunds', refundBody(t, 'RI1', 301));
    expect(changed).toMatchObject({ status: 400, json: { code: 'INVALID_REQUEST' } });
    expect(s.sim.refundsCreated('RI1')).toBe(1);
    expect(s.sim.refundRequests('RI1')).toBe(3);
  });

  it('enforces the refundable remainder; CLOSED refunds give the money back', async () => {
    const t = pay(1000);
    expect((await call('POST', '/v3/refund/domestic/refunds', refundBody(t, 'RR1', 700))).status).toBe(200);
    expect((await call('POST', '/v3/refund/domestic/refunds', refundBody(t, 'RR2', 301))).json).toMatchObject(
      { code: 'PARAM_ERROR', detail: { field: '/amount/refund' } },
    );
    expect((await call('POST', '/v3/refund/domestic/refunds', refundBody(t, 'RR3', 300))).status).toBe(200);
    expect((await call('POST', '/v3/refund/domestic/refunds', refundBody(t, 'RR4', 1))).json['message']).toBe(
      '订单已全额退款',
    );
    s.sim.forceRefundStatus('RR3', 'CLOSED');
    expect((await call('POST', '/v3/refund/domestic/refunds', refundBody(t, 'RR5', 300))).status).toBe(200);
  });

  it('allows at most 50 refunds per order', async () => {
    const t = pay(1000);
    for (let i = 1; i <= 50; i++)
      expect((await call('POST', '/v3/refund/domestic/refunds', refundBody(t, `RP${i}`, 1))).status).toBe(
        200,
      );
    const over = await call('POST', '/v3/refund/domestic/refunds', refundBody(t, 'RP51', 1));
    expect(over).toMatchObject({ status: 400, json: { code: 'INVALID_REQUEST' } });
  });

  it('refuses refunds after one year', async () => {
    const t = pay(1000, new Date(START.getTime() - 366 * 86_400_000));
    expect((await call('POST', '/v3/refund/domestic/refunds', refundBody(t, 'RY1', 1))).json).toMatchObject({
      code: 'INVALID_REQUEST',
      message: '订单已超过退款期限',
    });
  });

  it('strict profile spaces refunds of one order by 60 s of simulated time', async () => {
    const strictClock = createSimClock({ start: START, frozen: true });
    const strict = await startWechatPaySimulator({
      dataDir: sharedDataDir,
      clock: strictClock,
      profile: 'strict',
    });
    try {
      strict.sim.createPayment({ outTradeNo: 'TSP', amountFen: 1000 });
      const provider = createWechatPayProvider(providerConfig(strict));
      const base = {
        outTradeNo: 'TSP',
        paymentTotalMinor: 1000n,
        amountMinor: 100n,
        currency: 'CNY',
        reason: 'r',
      };
      await provider.refund({ ...base, refundId: 'RSP1' });
      await expect(provider.refund({ ...base, refundId: 'RSP2' })).rejects.toMatchObject({
        code: 'RATE_LIMITED',
        retryable: true,
      });
      strictClock.advance(60_000);
      expect((await provider.refund({ ...base, refundId: 'RSP2' })).status).toBe('PROCESSING');
    } finally {
      await strict.close();
    }
  });

  it('auto lifecycle completes after N ms of simulated time', async () => {
    s.sim.setRefundLifecycle({ mode: 'auto', afterMs: 5_000, outcome: 'CLOSED' });
    try {
      const t = pay();
      await call('POST', '/v3/refund/domestic/refunds', refundBody(t, 'RA1', 10));
      clock.advance(4_999);
      await new Promise((r) => setTimeout(r, 10));
      expect(s.sim.getRefund('RA1')?.status).toBe('PROCESSING');
      clock.advance(1);
      await new Promise((r) => setTimeout(r, 10));
      expect(s.sim.getRefund('RA1')?.status).toBe('CLOSED');
    } finally {
      s.sim.setRefundLifecycle({ mode: 'manual' });
    }
  });
});

describe('platform keys and modes', () => {
  it('certificate mode: /v3/certificates decrypts (AAD certificate) to the signing certificates; the adapter works with certificates only', async () => {
    const c = await startWechatPaySimulator({
      dataDir: sharedDataDir,
      signingMode: 'certificate',
      platformCertificateCount: 2,
      clock: createSimClock({ start: START, frozen: true }),
    });
    try {
      const provider = createWechatPayProvider(providerConfig(c, { platformPublicKey: undefined }));
      c.sim.createPayment({ outTradeNo: 'TC1', amountFen: 100 });
      expect(
        (
          await provider.refund({
            refundId: 'RC1',
            outTradeNo: 'TC1',
            amountMinor: 100n,
            paymentTotalMinor: 100n,
            currency: 'CNY',
            reason: 'x',
          })
        ).status,
      ).toBe('PROCESSING');
      const before = s;
      s = c;
      const res = await call('GET', '/v3/certificates', undefined);
      s = before;
      const data = res.json['data'] as {
        serial_no: string;
        encrypt_certificate: { ciphertext: string; nonce: string; associated_data: string };
      }[];
      expect(data).toHaveLength(2);
      const serials = data.map((d) => {
        expect(d.encrypt_certificate.associated_data).toBe('certificate');
        expect(d.encrypt_certificate.nonce).toHaveLength(12);
        const cert = new X509Certificate(gcmDecrypt(c.merchant.apiV3Key, d.encrypt_certificate));
        expect(cert.serialNumber.toUpperCase()).toBe(d.serial_no);
        return d.serial_no;
      });
      expect(serials).toContain(res.headers.get('wechatpay-serial'));
      // The real SDK parses the served certificates with @fidm/x509.
      const sdk = new WxPay({
        appid: c.merchant.appid,
        mchid: c.merchant.mchid,
        serial_no: c.merchant.serialNo,
        publicKey: Buffer.from(c.merchant.certificatePem),
        privateKey: Buffer.from(c.merchant.privateKeyPem),
        key: c.merchant.apiV3Key,
      });
      sdk.createHttp(
        new WechatPayHttp({
          baseUrl: c.url,
          timeoutMs: 1000,
          keyring: createPlatformKeyring(providerConfig(c)),
          maxSkewMs: 300_000,
          now: () => new Date(),
        }),
      );
      const fetched = await sdk.get_certificates(c.merchant.apiV3Key);
      expect(fetched.map((f) => f.serial_no)).toEqual(serials);
    } finally {
      await c.close();
    }
  });

  it('mixed mode answers with the key the request names; keys persist across restarts', async () => {
    const m = await startWechatPaySimulator({ dataDir: sharedDataDir, signingMode: 'mixed' });
    try {
      expect(m.merchant.serialNo).toBe(s.merchant.serialNo);
      expect(m.platform.publicKeyId).toBe(s.platform.publicKeyId);
      const before = s;
      s = m;
      const byPub = await call('GET', '/v3/refund/domestic/refunds/X', undefined, {
        headers: { 'wechatpay-serial': m.platform.publicKeyId },
      });
      const byCert = await call('GET', '/v3/refund/domestic/refunds/X', undefined, {
        headers: { 'wechatpay-serial': m.platform.certificates[0]?.serialNo ?? '' },
      });
      s = before;
      expect(byPub.headers.get('wechatpay-serial')).toBe(m.platform.publicKeyId);
      expect(byCert.headers.get('wechatpay-serial')).toBe(m.platform.certificates[0]?.serialNo);
      expect(verifiedBy(byCert.headers, byCert.raw, m.platform.certificates[0]?.publicKeyPem ?? '')).toBe(
        true,
      );
    } finally {
      await m.close();
    }
  });
});

describe('fault engine', () => {
  it('refuses unsupported kinds and hits only the listed calls within its budget', () => {
    expect(() => s.sim.addFault({ endpoint: 'refund.query', fault: { kind: 'drop' } })).toThrow(
      UnsupportedFaultError,
    );
    expect(() => s.sim.addFault({ endpoint: 'nope', fault: { kind: 'latency', ms: 1 } })).toThrow(
      /unknown fault endpoint/,
    );
    const engine = createFaultEngine({ supported: { a: ['latency', 'drop'] } });
    engine.add({ endpoint: 'a', id: 'X', calls: [2, 3], fault: { kind: 'drop' } });
    engine.add({ endpoint: 'a', calls: 'every', fault: { kind: 'latency', ms: 1 } });
    const seen = [
      engine.take('a', 'X'),
      engine.take('a', 'Y'),
      engine.take('a', 'X'),
      engine.take('a', 'X'),
      engine.take('a', 'X'),
    ].map((h) => h.map((f) => f.kind).join('+'));
    expect(seen).toEqual(['latency', 'latency', 'drop+latency', 'drop+latency', 'latency']);
  });

  it('control API over HTTP mirrors the handle', async () => {
    const ctl = createWechatPayControlClient(s.url);
    await ctl.createPayment({ outTradeNo: 'TCTL', amountFen: 500 });
    await ctl.addFault({ endpoint: 'refund.create', id: 'RCTL', fault: { kind: 'rateLimited' } });
    expect(
      (await call('POST', '/v3/refund/domestic/refunds', refundBody('TCTL', 'RCTL', 100, 500))).status,
    ).toBe(429);
    expect(
      (await call('POST', '/v3/refund/domestic/refunds', refundBody('TCTL', 'RCTL', 100, 500))).status,
    ).toBe(200);
    expect(await ctl.getRefund('RCTL')).toMatchObject({
      created: 1,
      requests: 2,
      refund: { status: 'PROCESSING' },
    });
    expect((await ctl.forceRefundStatus('RCTL', 'SUCCESS')).status).toBe('SUCCESS');
    const t0 = await ctl.now();
    expect((await ctl.advanceClock(1000)).getTime()).toBe(t0.getTime() + 1000);
    expect((await ctl.requests('refund.create')).length).toBeGreaterThan(2);
    await expect(ctl.forceRefundStatus('RCTL', 'PROCESSING')).rejects.toThrow(/not allowed/);
  });
});

let otherKey = '';
beforeAll(async () => {
  const { generateKeyPairSync } = await import('node:crypto');
  otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
});

// Bills use the real SDK calls (tradebill/downloadBill) over the adapter's HTTP layer.
describe('trade bills', () => {
  let b: StartedWechatPaySimulator;
  const billClock = createSimClock({ start: new Date('2024-06-01T12:00:00+08:00'), frozen: true });
  let sdk: WxPay;
  beforeAll(async () => {
    b = await startWechatPaySimulator({
      dataDir: sharedDataDir,
      clock: billClock,
      refundLifecycle: { mode: 'manual' },
    });
    sdk = new WxPay({
      appid: b.merchant.appid,
      mchid: b.merchant.mchid,
      serial_no: b.merchant.serialNo,
      publicKey: Buffer.from(b.merchant.certificatePem),
      privateKey: Buffer.from(b.merchant.privateKeyPem),
      key: b.merchant.apiV3Key,
    });
    sdk.createHttp(
      new WechatPayHttp({
        baseUrl: b.url,
        timeoutMs: 1000,
        keyring: createPlatformKeyring(providerConfig(b)),
        maxSkewMs: 300_000,
        now: () => new Date(),
      }),
    );
    b.sim.createPayment({ outTradeNo: 'TB1', amountFen: 888 });
    b.sim.createPayment({ outTradeNo: 'TB2', amountFen: 1234 });
    b.sim.createPayment({
      outTradeNo: 'TBOLD',
      amountFen: 5000,
      successTime: new Date('2024-05-20T09:00:00+08:00'),
    });
    // Created 23:59:59, paid 00:00:02: belongs to the next day's bill.
    b.sim.createPayment({
      outTradeNo: 'TBMID',
      amountFen: 100,
      successTime: new Date('2024-06-02T00:00:02+08:00'),
    });
    const provider = createWechatPayProvider(providerConfig(b));
    const base = { reason: 'r', currency: 'CNY' };
    await provider.refund({
      ...base,
      refundId: 'RB1',
      outTradeNo: 'TB1',
      amountMinor: 300n,
      paymentTotalMinor: 888n,
    });
    await provider.refund({
      ...base,
      refundId: 'RB2',
      outTradeNo: 'TBOLD',
      amountMinor: 5000n,
      paymentTotalMinor: 5000n,
    });
    b.sim.forceRefundStatus('RB1', 'SUCCESS');
  });
  afterAll(async () => b.close());

  const apply = async (date: string, type: string, gzip = true) =>
    await sdk.tradebill({ bill_date: date, bill_type: type, ...(gzip ? { tar_type: 'GZIP' } : {}) });

  it('is STATEMENT_CREATING before 10:00 on T+1, NO_STATEMENT_EXIST for empty days', async () => {
    billClock.set(new Date('2024-06-02T09:59:00+08:00'));
    expect(((await apply('2024-06-01', 'ALL')).errRaw as { code: string }).code).toBe('STATEMENT_CREATING');
    billClock.set(new Date('2024-06-02T10:00:00+08:00'));
    expect(((await apply('2024-05-25', 'ALL')).errRaw as { code: string }).code).toBe('NO_STATEMENT_EXIST');
  });

  it('serves the real file layout with a summary that adds up', async () => {
    const applied = await apply('2024-06-01', 'ALL');
    expect(applied.status).toBe(200);
    const { hash_type, hash_value, download_url } = applied.data as {
      hash_type: string;
      hash_value: string;
      download_url: string;
    };
    expect(hash_type).toBe('SHA1');
    expect(download_url).toMatch(/^https:\/\/api\.mch\.weixin\.qq\.com\/v3\/billdownload\/file\?token=/);
    const file = await sdk.downloadBill(download_url);
    const plain = gunzipSync(file.data as Buffer);
    expect(createHash('sha1').update(plain).digest('hex')).toBe(hash_value);
    const text = plain.toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text.split('\r\n').at(-1)).toBe('');
    expect(text.replace(/\r\n/g, '')).not.toMatch(/\n/);
    const rows = csv(text);
    expect(rows[0]).toEqual([...WECHAT_BILL_HEADERS.ALL]);
    const details = rows.slice(1, -2).map((r) => r.map((c) => c.replace(/^`/, '')));
    for (const r of rows.slice(1, -2)) for (const c of r) expect(c.startsWith('`')).toBe(true);
    expect(details.every((r) => r.length === 27)).toBe(true);
    // Rows: TB1, TB2 payments; RB1 (SUCCESS) and RB2 (PROCESSING, order from 05-20) refunds; not TBMID/TBOLD payments.
    expect(details.map((r) => `${r[6]}:${r[9]}:${r[15]}:${r[19]}`).sort()).toEqual([
      'TB1:REFUND:RB1:SUCCESS',
      'TB1:SUCCESS:0:',
      'TB2:SUCCESS:0:',
      'TBOLD:REFUND:RB2:PROCESSING',
    ]);
    const cents = (v: string) => Math.round(Number(v) * 100);
    const summary = (rows.at(-1) ?? []).map((c) => c.replace(/^`/, ''));
    expect(rows.at(-2)?.[0]).toBe('总交易单数');
    expect(Number(summary[0])).toBe(details.length);
    expect(cents(summary[1] ?? '')).toBe(details.reduce((a, r) => a + cents(r[12] ?? ''), 0));
    expect(cents(summary[2] ?? '')).toBe(details.reduce((a, r) => a + cents(r[16] ?? ''), 0));
    expect(Math.round(Number(summary[4]) * 100_000)).toBe(
      details.reduce((a, r) => a + Math.round(Number(r[22]) * 100_000), 0),
    );
    expect(cents(summary[5] ?? '')).toBe(888 + 1234);
    expect(cents(summary[6] ?? '')).toBe(300 + 5000);
    expect(details.find((r) => r[6] === 'TB1' && r[9] === 'SUCCESS')?.[22]).toMatch(/^\d+\.\d{5}$/);
    expect(file.status).toBe(200);
  });

  it('freezes statuses at generation; SUCCESS/REFUND have 20/29 columns; plain text without GZIP', async () => {
    b.sim.forceRefundStatus('RB2', 'SUCCESS');
    const refundOnly = await apply('2024-06-01', 'REFUND', false);
    const file = await sdk.downloadBill((refundOnly.data as { download_url: string }).download_url);
    const text = Buffer.isBuffer(file.data) ? file.data.toString('utf8') : String(file.data);
    const rows = csv(text);
    expect(rows.slice(1, -2).every((r) => r.length === 29)).toBe(true);
    expect(rows.find((r) => r[17] === '`RB2')?.[21]).toBe('`PROCESSING');
    const success = (await apply('2024-06-01', 'SUCCESS')).data as { download_url: string };
    const rows2 = csv(gunzipSync((await sdk.downloadBill(success.download_url)).data as Buffer).toString());
    expect(rows2.slice(1, -2).every((r) => r.length === 20)).toBe(true);
    expect(rows2.slice(1, -2)).toHaveLength(2);
  });

  it('adapter downloadStatement: READY with cross-checked summary, edits, and corruption detection', async () => {
    const provider = createWechatPayProvider(providerConfig(b));
    billClock.set(new Date('2024-06-03T10:30:00+08:00'));
    expect(await provider.downloadStatement('2024-06-03')).toEqual({ status: 'NOT_READY' });
    expect(await provider.downloadStatement('2024-05-30')).toEqual({ status: 'NO_STATEMENT' });
    b.sim.editStatement('2024-06-02', {
      op: 'addRow',
      kind: 'PAYMENT',
      outTradeNo: 'TFOREIGN',
      amountFen: 4500,
      tradeTime: '2024-06-02T23:59:59+08:00',
    });
    const ready = await parsedDownload(await provider.downloadStatement('2024-06-02'));
    expect(ready.lines.map((l) => `${l.kind}:${l.outTradeNo}:${l.amountMinor}`).sort()).toEqual([
      'PAYMENT:TBMID:100',
      'PAYMENT:TFOREIGN:4500',
    ]);
    expect(ready.summary).toEqual({ count: 2, paymentTotalMinor: 4600n, refundTotalMinor: 0n });
    expect(ready.lines[0]?.fee.scale).toBe(5);
    expect(ready.sha256).toBe(createHash('sha256').update(ready.raw).digest('hex'));
    const june1 = await parsedDownload(await provider.downloadStatement('2024-06-01'));
    const rb2 = june1.lines.find((l) => l.refundId === 'RB2');
    expect(rb2).toMatchObject({
      kind: 'REFUND',
      providerStatus: 'PROCESSING',
      amountMinor: 5000n,
      outTradeNo: 'TBOLD',
    });
    expect(rb2?.fee.value).toBe(-30_000n); // 0.60% of 50.00 = 0.30 yuan returned, 5 decimals

    b.sim.editStatement('2024-06-02', { op: 'overrideSummary', values: { 订单总金额: '46.01' } });
    // The file is intact (its SHA-1 matches); its summary disagrees with its rows: the parse refuses it.
    await expect(parsedDownload(await provider.downloadStatement('2024-06-02'))).rejects.toMatchObject({
      code: 'STATEMENT_CORRUPT',
    });
    b.sim.addFault({ endpoint: 'bill.apply', fault: { kind: 'custom', name: 'wrongHash' } });
    await expect(provider.downloadStatement('2024-06-01')).rejects.toMatchObject({
      code: 'STATEMENT_CORRUPT',
    });
    b.sim.addFault({ endpoint: 'bill.download', fault: { kind: 'custom', name: 'truncate' } });
    await expect(provider.downloadStatement('2024-06-01')).rejects.toMatchObject({
      code: 'STATEMENT_CORRUPT',
    });
    expect((await provider.downloadStatement('2024-06-01')).status).toBe('READY');
  });

  it('statement edits: remove, alter, duplicate rows; custom ready time; text/csv bodies still reach the adapter', async () => {
    const provider = createWechatPayProvider(providerConfig(b));
    b.sim.resetStatement('2024-06-01');
    b.sim.editStatement('2024-06-01', { op: 'removeRows', outTradeNo: 'TB2' });
    b.sim.editStatement('2024-06-01', {
      op: 'alterRows',
      outRefundNo: 'RB1',
      amountFen: 299,
      refundStatus: 'PROCESSING',
    });
    b.sim.editStatement('2024-06-01', { op: 'duplicateRows', outRefundNo: 'RB2' });
    b.sim.addFault({ endpoint: 'bill.download', fault: { kind: 'custom', name: 'textCsv' } });
    const res = await parsedDownload(await provider.downloadStatement('2024-06-01'));
    const keys = res.lines
      .map((l) => `${l.kind}:${l.outTradeNo}:${l.refundId ?? '-'}:${l.amountMinor}:${l.providerStatus}`)
      .sort();
    expect(keys).toEqual([
      'PAYMENT:TB1:-:888:SUCCESS',
      'REFUND:TB1:RB1:299:PROCESSING',
      'REFUND:TBOLD:RB2:5000:SUCCESS',
      'REFUND:TBOLD:RB2:5000:SUCCESS',
    ]);
    expect(res.summary).toEqual({ count: 4, paymentTotalMinor: 888n, refundTotalMinor: 10_299n });
    b.sim.setBillReadyTime('2024-06-04', new Date('2024-06-05T12:00:00+08:00'));
    billClock.set(new Date('2024-06-05T11:00:00+08:00'));
    expect(await provider.downloadStatement('2024-06-04')).toEqual({ status: 'NOT_READY' });
    billClock.set(new Date('2024-06-05T12:00:00+08:00'));
    expect(await provider.downloadStatement('2024-06-04')).toEqual({ status: 'NO_STATEMENT' });
  });

  it('download URLs expire', async () => {
    const short = await startWechatPaySimulator({
      dataDir: sharedDataDir,
      clock: createSimClock({ start: new Date('2024-06-02T11:00:00+08:00'), frozen: true }),
      bill: { downloadUrlTtlMs: 1 },
    });
    try {
      short.sim.createPayment({
        outTradeNo: 'TE',
        amountFen: 1,
        successTime: new Date('2024-06-01T08:00:00+08:00'),
      });
      const sdk2 = new WxPay({
        appid: short.merchant.appid,
        mchid: short.merchant.mchid,
        serial_no: short.merchant.serialNo,
        publicKey: Buffer.from('x'),
        privateKey: Buffer.from(short.merchant.privateKeyPem),
        key: short.merchant.apiV3Key,
      });
      sdk2.createHttp(
        new WechatPayHttp({
          baseUrl: short.url,
          timeoutMs: 1000,
          keyring: createPlatformKeyring(providerConfig(short)),
          maxSkewMs: 300_000,
          now: () => new Date(),
        }),
      );
      const applied = await sdk2.tradebill({ bill_date: '2024-06-01', bill_type: 'ALL' });
      await new Promise((r) => setTimeout(r, 5));
      const res = await sdk2.downloadBill((applied.data as { download_url: string }).download_url);
      expect(res.status).toBe(400);
      expect((res.errRaw as { message: string }).message).toMatch(/过期/);
    } finally {
      await short.close();
    }
  });
});
