import { createSign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlipaySimulator, type StartedAlipaySimulator } from '../../src/simulators/alipay/index.js';

let s: StartedAlipaySimulator;
const dataDir = mkdtempSync(join(tmpdir(), 'alipay-gw-'));
let sdk: AlipaySdk;
let seq = 0;
const id = (p: string): string => `${p}${Date.now()}${(seq += 1)}`;

type Node = Record<string, string | undefined>;
const exec = async (method: string, biz: Record<string, unknown>): Promise<Node> =>
  sdk.exec(method, { bizContent: biz }, { validateSign: true });

beforeAll(async () => {
  s = await startAlipaySimulator({ dataDir });
  sdk = new AlipaySdk({
    appId: s.app.appId,
    privateKey: s.app.privateKeyPem,
    alipayPublicKey: s.alipayPublicKeyPem,
    gateway: s.gatewayUrl,
    camelcase: false,
  });
});
afterAll(async () => s.close());

/** Signs and posts like the SDK does, so a test can tamper with single parameters. */
function localTimestamp(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

async function rawCall(
  params: Record<string, string>,
  signWith: string,
  tamper?: (p: Record<string, string>) => void,
): Promise<string> {
  const content = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  const signed = {
    ...params,
    sign: createSign('RSA-SHA256').update(content, 'utf8').sign(signWith, 'base64'),
  };
  tamper?.(signed);
  const res = await fetch(s.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(signed).toString(),
  });
  expect(res.status).toBe(200);
  return res.text();
}

function baseParams(biz: Record<string, unknown>, timestamp = localTimestamp()): Record<string, string> {
  return {
    app_id: s.app.appId,
    method: 'alipay.trade.query',
    charset: 'utf-8',
    sign_type: 'RSA2',
    timestamp,
    version: '1.0',
    biz_content: JSON.stringify(biz),
  };
}

describe('request signature', () => {
  it('accepts a correctly signed request and rejects tampered, foreign-key and stale ones', async () => {
    const outTradeNo = id('SIG');
    s.sim.createPayment({ outTradeNo, amountFen: 1000n });
    const good = JSON.parse(
      await rawCall(baseParams({ out_trade_no: outTradeNo }), s.app.privateKeyPem),
    ) as Record<string, Node>;
    expect(good['alipay_trade_query_response']?.['code']).toBe('10000');
    expect(good['alipay_trade_query_response']?.['total_amount']).toBe('10.00');

    const tampered = await rawCall(baseParams({ out_trade_no: outTradeNo }), s.app.privateKeyPem, (p) => {
      p['biz_content'] = JSON.stringify({ out_trade_no: `${outTradeNo}x` });
    });
    expect(tampered).toContain('"sub_code":"isv.invalid-signature"');
    expect(tampered).toContain('"code":"40002"');

    const { generateKeyPairSync } = await import('node:crypto');
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    expect(await rawCall(baseParams({ out_trade_no: outTradeNo }), foreign)).toContain(
      'isv.invalid-signature',
    );

    const stale = localTimestamp(new Date(Date.now() - 3600_000));
    expect(await rawCall(baseParams({ out_trade_no: outTradeNo }, stale), s.app.privateKeyPem)).toContain(
      'isv.invalid-timestamp',
    );
    expect(
      s.sim.requests('alipay.trade.query').filter((r) => !r.signatureValid).length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('answers node first, then a real 2048-bit signature over the exact node text', async () => {
    const body = await rawCall({ ...baseParams({ out_trade_no: 'nope' }) }, s.app.privateKeyPem);
    const m = /^\{"alipay_trade_query_response":(\{.*\}),"sign":"([^"]+)"\}$/.exec(body);
    expect(m).not.toBeNull();
    const [, nodeText, sign] = m as RegExpExecArray;
    expect(sign).toHaveLength(344);
    const { createVerify } = await import('node:crypto');
    expect(
      createVerify('RSA-SHA256')
        .update(nodeText ?? '')
        .verify(s.alipayPublicKeyPem, sign ?? '', 'base64'),
    ).toBe(true);
    expect(JSON.parse(nodeText ?? '{}')).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_NOT_EXIST' });
  });

  it('answers an unknown method with error_response', async () => {
    const body = await rawCall({ ...baseParams({}), method: 'alipay.no.such' }, s.app.privateKeyPem);
    expect(body).toMatch(/^\{"error_response":\{.*"sub_code":"isv.invalid-method"/);
  });
});

describe('alipay.trade.refund rules (real SDK, validateSign)', () => {
  it('partial refunds accumulate refund_fee; replay is fund_change=N; a discordant repeat is refused', async () => {
    const outTradeNo = id('ORD');
    s.sim.createPayment({ outTradeNo, amountFen: 888n });
    const first = await exec('alipay.trade.refund', {
      out_trade_no: outTradeNo,
      refund_amount: '3.00',
      out_request_no: `${outTradeNo}-R1`,
    });
    expect(first).toMatchObject({
      code: '10000',
      fund_change: 'Y',
      refund_fee: '3.00',
      send_back_fee: '3.00',
    });
    const second = await exec('alipay.trade.refund', {
      out_trade_no: outTradeNo,
      refund_amount: '1.88',
      out_request_no: `${outTradeNo}-R2`,
    });
    expect(second).toMatchObject({ fund_change: 'Y', refund_fee: '4.88' });
    const replay = await exec('alipay.trade.refund', {
      out_trade_no: outTradeNo,
      refund_amount: '3.00',
      out_request_no: `${outTradeNo}-R1`,
    });
    expect(replay).toMatchObject({ code: '10000', fund_change: 'N', refund_fee: '4.88' });
    const discordant = await exec('alipay.trade.refund', {
      out_trade_no: outTradeNo,
      refund_amount: '3.01',
      out_request_no: `${outTradeNo}-R1`,
    });
    expect(discordant).toMatchObject({ code: '40004', sub_code: 'ACQ.DISCORDANT_REPEAT_REQUEST' });
    expect(s.sim.fundMovements(`${outTradeNo}-R1`)).toBe(1);
    expect(s.sim.getTrade(outTradeNo)?.refundedFen).toBe(488n);
  });

  it('refuses over-refunds, closes the trade on full refund, then refuses further refunds', async () => {
    const outTradeNo = id('ORD');
    s.sim.createPayment({ outTradeNo, amountFen: 1000n });
    await exec('alipay.trade.refund', {
      out_trade_no: outTradeNo,
      refund_amount: '4.00',
      out_request_no: 'A',
    });
    const over = await exec('alipay.trade.refund', {
      out_trade_no: outTradeNo,
      refund_amount: '6.01',
      out_request_no: 'B',
    });
    expect(over).toMatchObject({ code: '40004', sub_code: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' });
    const rest = await exec('alipay.trade.refund', {
      out_trade_no: outTradeNo,
      refund_amount: '6.00',
      out_request_no: 'B',
    });
    expect(rest).toMatchObject({ fund_change: 'Y', refund_fee: '10.00' });
    expect(s.sim.getTrade(outTradeNo)?.status).toBe('TRADE_CLOSED');
    const after = await exec('alipay.trade.refund', {
      out_trade_no: outTradeNo,
      refund_amount: '0.01',
      out_request_no: 'C',
    });
    expect(after).toMatchObject({ sub_code: 'ACQ.TRADE_STATUS_ERROR' });
  });

  it('without out_request_no only a full refund of the total is accepted', async () => {
    const outTradeNo = id('ORD');
    s.sim.createPayment({ outTradeNo, amountFen: 500n });
    const partial = await exec('alipay.trade.refund', { out_trade_no: outTradeNo, refund_amount: '1.00' });
    expect(partial).toMatchObject({ sub_code: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' });
    const full = await exec('alipay.trade.refund', { out_trade_no: outTradeNo, refund_amount: '5.00' });
    expect(full).toMatchObject({ fund_change: 'Y', refund_fee: '5.00' });
    // The refund is keyed by out_trade_no: querying with it as out_request_no finds it.
    const q = await exec('alipay.trade.fastpay.refund.query', {
      out_trade_no: outTradeNo,
      out_request_no: outTradeNo,
    });
    expect(q['refund_status']).toBe('REFUND_SUCCESS');
  });

  it('TRADE_NOT_EXIST, refund window (TRADE_HAS_FINISHED), frozen trade', async () => {
    expect(
      await exec('alipay.trade.refund', {
        out_trade_no: 'missing',
        refund_amount: '1.00',
        out_request_no: 'x',
      }),
    ).toMatchObject({
      sub_code: 'ACQ.TRADE_NOT_EXIST',
    });
    const old = id('OLD');
    s.sim.createPayment({
      outTradeNo: old,
      amountFen: 100n,
      paidAt: new Date(Date.now() - 400 * 86_400_000),
    });
    expect(
      await exec('alipay.trade.refund', { out_trade_no: old, refund_amount: '1.00', out_request_no: 'x' }),
    ).toMatchObject({
      sub_code: 'ACQ.TRADE_HAS_FINISHED',
    });
    const frozen = id('FRZ');
    s.sim.createPayment({ outTradeNo: frozen, amountFen: 100n });
    s.sim.setTradeState(frozen, { frozen: true });
    expect(
      await exec('alipay.trade.refund', { out_trade_no: frozen, refund_amount: '1.00', out_request_no: 'x' }),
    ).toMatchObject({
      sub_code: 'ACQ.REASON_TRADE_BEEN_FREEZEN',
    });
  });

  it('refund query: no refund data before, REFUND_SUCCESS after; gmt_refund_pay only on request', async () => {
    const outTradeNo = id('ORD');
    s.sim.createPayment({ outTradeNo, amountFen: 300n });
    const before = await exec('alipay.trade.fastpay.refund.query', {
      out_trade_no: outTradeNo,
      out_request_no: 'Q1',
    });
    expect(before).toMatchObject({ code: '10000', out_request_no: 'Q1' });
    expect(before['refund_status']).toBeUndefined();
    expect(before['refund_amount']).toBeUndefined();
    await exec('alipay.trade.refund', {
      out_trade_no: outTradeNo,
      refund_amount: '1.50',
      out_request_no: 'Q1',
    });
    const plain = await exec('alipay.trade.fastpay.refund.query', {
      out_trade_no: outTradeNo,
      out_request_no: 'Q1',
    });
    expect(plain).toMatchObject({
      refund_status: 'REFUND_SUCCESS',
      refund_amount: '1.50',
      total_amount: '3.00',
    });
    expect(plain['gmt_refund_pay']).toBeUndefined();
    const withTime = await exec('alipay.trade.fastpay.refund.query', {
      out_trade_no: outTradeNo,
      out_request_no: 'Q1',
      query_options: ['gmt_refund_pay'],
    });
    expect(withTime['gmt_refund_pay']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('processing refunds: fund_change=N, no query data, complete after the processing time', async () => {
    const outTradeNo = id('PRC');
    s.sim.createPayment({ outTradeNo, amountFen: 300n });
    s.sim.faults.add({
      endpoint: 'alipay.trade.refund',
      id: 'P1',
      fault: { kind: 'custom', name: 'stuckProcessing', params: { ms: 60_000 } },
    });
    const r = await exec('alipay.trade.refund', {
      out_trade_no: outTradeNo,
      refund_amount: '1.00',
      out_request_no: 'P1',
    });
    expect(r).toMatchObject({ code: '10000', fund_change: 'N', refund_fee: '0.00' });
    expect(
      (await exec('alipay.trade.fastpay.refund.query', { out_trade_no: outTradeNo, out_request_no: 'P1' }))[
        'refund_status'
      ],
    ).toBeUndefined();
    expect(s.sim.fundMovements('P1')).toBe(0);
    s.sim.clock.advance(61_000);
    expect(
      (await exec('alipay.trade.fastpay.refund.query', { out_trade_no: outTradeNo, out_request_no: 'P1' }))[
        'refund_status'
      ],
    ).toBe('REFUND_SUCCESS');
    expect(s.sim.fundMovements('P1')).toBe(1);
    s.sim.clock.advance(-61_000);
  });

  it('control API over HTTP: create payment, inspect refunds and fund movements', async () => {
    const outTradeNo = id('CTL');
    const created = await fetch(`${s.url}/__control/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outTradeNo, amount: '12.30' }),
    });
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({ outTradeNo, totalFen: '1230', status: 'TRADE_SUCCESS' });
    await exec('alipay.trade.refund', {
      out_trade_no: outTradeNo,
      refund_amount: '0.30',
      out_request_no: `${outTradeNo}-1`,
    });
    const moves = await (await fetch(`${s.url}/__control/refunds/${outTradeNo}-1/fund-movements`)).json();
    expect(moves).toEqual({ fundMovements: 1 });
    const fault = await fetch(`${s.url}/__control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'alipay.trade.refund', fault: { kind: 'nonsense' } }),
    });
    expect(fault.status).toBe(400);
  });
});

describe('configuration and query faults', () => {
  it('refundMode=processing: fund_change=N until processingMs has passed on the simulated clock', async () => {
    const p = await startAlipaySimulator({ dataDir, refundMode: 'processing', processingMs: 10_000 });
    try {
      const psdk = new AlipaySdk({
        appId: p.app.appId,
        privateKey: p.app.privateKeyPem,
        alipayPublicKey: p.alipayPublicKeyPem,
        gateway: p.gatewayUrl,
        camelcase: false,
      });
      p.sim.createPayment({ outTradeNo: 'PM1', amountFen: 100n });
      const r = await psdk.exec(
        'alipay.trade.refund',
        { bizContent: { out_trade_no: 'PM1', refund_amount: '1.00', out_request_no: 'PM1-R' } },
        { validateSign: true },
      );
      expect(r).toMatchObject({ code: '10000', fund_change: 'N' });
      expect(p.sim.refunds()[0]?.status).toBe('PROCESSING');
      p.sim.clock.advance(10_001);
      expect(p.sim.refunds()[0]).toMatchObject({ status: 'SUCCESS', fundMovements: 1 });
      expect(p.sim.getTrade('PM1')?.status).toBe('TRADE_CLOSED');
    } finally {
      await p.close();
    }
  });

  it('query methods: systemErrorThenSuccess answers 20000 once; custom subCode answers any code', async () => {
    const outTradeNo = id('QF');
    s.sim.createPayment({ outTradeNo, amountFen: 100n });
    s.sim.faults.add({
      endpoint: 'alipay.trade.fastpay.refund.query',
      id: 'QF-1',
      fault: { kind: 'systemErrorThenSuccess' },
    });
    expect(
      await exec('alipay.trade.fastpay.refund.query', { out_trade_no: outTradeNo, out_request_no: 'QF-1' }),
    ).toMatchObject({
      code: '20000',
      sub_code: 'isp.unknow-error',
    });
    expect(
      await exec('alipay.trade.fastpay.refund.query', { out_trade_no: outTradeNo, out_request_no: 'QF-1' }),
    ).toMatchObject({ code: '10000' });
    s.sim.faults.add({
      endpoint: 'alipay.trade.query',
      id: outTradeNo,
      fault: { kind: 'custom', name: 'subCode', params: { code: '40004', subCode: 'ACQ.SYSTEM_ERROR' } },
    });
    expect(await exec('alipay.trade.query', { out_trade_no: outTradeNo })).toMatchObject({
      sub_code: 'ACQ.SYSTEM_ERROR',
    });
    expect(s.sim.faults.history().filter((h) => h.id === outTradeNo || h.id === 'QF-1')).toHaveLength(2);
  });
});
