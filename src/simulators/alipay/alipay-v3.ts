/**
 * OpenAPI v3 (`curl`) endpoints (PROTOCOLS B1.3): `authorization: ALIPAY-SHA256withRSA …,sign=…` over
 * `authString\nMETHOD\npath?query\nbody\n`, responses signed in `alipay-signature` over
 * `ts\nnonce\nbody\n`. Business behaviour is shared with the legacy gateway methods.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultKind, RawRequest } from '../shared/index.js';
import { applyTransportFaults, type GatewaySecurity } from './alipay-gateway.js';
import type { ResponseNode } from './alipay-methods.js';
import { rsa2Sign, rsa2Verify } from './alipay-wire.js';

export const V3_ROUTES: Readonly<Record<string, string>> = {
  'POST /v3/alipay/trade/refund': 'alipay.trade.refund',
  'POST /v3/alipay/trade/fastpay/refund/query': 'alipay.trade.fastpay.refund.query',
  'POST /v3/alipay/trade/query': 'alipay.trade.query',
  'GET /v3/alipay/data/dataservice/bill/downloadurl/query': 'alipay.data.dataservice.bill.downloadurl.query',
};

export interface V3Host {
  readonly security: GatewaySecurity;
  takeFaults(method: string, biz: Readonly<Record<string, unknown>>): FaultKind[];
  runMethod(method: string, biz: Record<string, unknown>, faults: readonly FaultKind[]): ResponseNode;
}

function sendV3(
  res: ServerResponse,
  status: number,
  payload: unknown,
  sec: GatewaySecurity,
  forge: boolean,
): void {
  const body = JSON.stringify(payload);
  const timestamp = String(Date.now());
  const nonce = randomUUID().replaceAll('-', '');
  const signature = rsa2Sign(
    `${timestamp}\n${nonce}\n${body}\n`,
    forge ? sec.forgeryKeyPem : sec.alipayPrivateKeyPem,
  );
  res
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'alipay-timestamp': timestamp,
      'alipay-nonce': nonce,
      'alipay-signature': signature,
      'alipay-trace-id': randomUUID().replaceAll('-', ''),
    })
    .end(body);
}

/** Returns an error payload + status when the authorization header does not check out. */
function checkAuthorization(req: RawRequest, sec: GatewaySecurity): { status: number; code: string } | null {
  const header = String(req.headers['authorization'] ?? '');
  const m = /^ALIPAY-SHA256withRSA (.+),sign=([^,]+)$/.exec(header);
  if (!m) return { status: 401, code: 'invalid-auth' };
  const authString = m[1] ?? '';
  const fields = Object.fromEntries(
    authString.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  if (fields['app_id'] !== sec.appId) return { status: 401, code: 'invalid-app-id' };
  const ts = Number(fields['timestamp']);
  if (!Number.isFinite(ts)) return { status: 401, code: 'invalid-timestamp' };
  if (sec.timestampToleranceMs !== null && Math.abs(Date.now() - ts) > sec.timestampToleranceMs) {
    return { status: 401, code: 'invalid-timestamp' };
  }
  const token = req.headers['alipay-app-auth-token'];
  const content = `${authString}\n${req.method}\n${req.target}\n${req.rawBody.toString('utf8')}\n${typeof token === 'string' ? `${token}\n` : ''}`;
  return rsa2Verify(content, m[2] ?? '', sec.appPublicKeyPem)
    ? null
    : { status: 401, code: 'invalid-signature' };
}

function bizOf(req: RawRequest): Record<string, unknown> {
  if (req.method === 'GET') return Object.fromEntries(req.query);
  try {
    const parsed: unknown = JSON.parse(req.rawBody.toString('utf8') || '{}');
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** ⚠ How ACQ.* maps to v3 is unconfirmed: 20000 → 500, other failures → 400, code without `ACQ.`. */
function v3Error(node: ResponseNode): { status: number; payload: unknown } {
  const subCode = typeof node['sub_code'] === 'string' ? node['sub_code'] : 'unknown-error';
  return {
    status: node['code'] === '20000' ? 500 : 400,
    payload: { code: subCode.replace(/^ACQ\./, ''), message: node['sub_msg'] ?? node['msg'], links: [] },
  };
}

export async function handleV3(
  host: V3Host,
  req: RawRequest,
  res: ServerResponse,
  incoming: IncomingMessage,
): Promise<boolean> {
  const method = V3_ROUTES[`${req.method} ${req.path}`];
  if (!method) return false;
  const denied = checkAuthorization(req, host.security);
  if (denied) {
    sendV3(res, denied.status, { code: denied.code, message: '验签失败', links: [] }, host.security, false);
    return true;
  }
  const biz = bizOf(req);
  const faults = host.takeFaults(method, biz);
  if (await applyTransportFaults(faults, 'before', res, incoming)) return true;
  const node = host.runMethod(method, biz, faults);
  if (await applyTransportFaults(faults, 'after', res, incoming)) return true;
  const forge = faults.some((f) => f.kind === 'badResponseSignature');
  if (node['code'] === '10000') {
    // v3 success bodies are the bare business object: no code/msg envelope.
    const data = Object.fromEntries(Object.entries(node).filter(([k]) => k !== 'code' && k !== 'msg'));
    sendV3(res, 200, data, host.security, forge);
  } else {
    const e = v3Error(node);
    sendV3(res, e.status, e.payload, host.security, forge);
  }
  return true;
}
