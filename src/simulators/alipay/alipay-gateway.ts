/**
 * `POST /gateway.do` (PROTOCOLS B1.1/B1.2): merge query + form params, check app_id, timestamp and the
 * RSA2 request signature, dispatch on `method`, and answer `{"<method>_response":{…},"sign":"…"}` with
 * the node first and the signature over the exact node text emitted.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { FaultKind, RawRequest } from '../shared/index.js';
import type { ResponseNode } from './alipay-methods.js';
import {
  parseAlipayTimestamp,
  rsa2Sign,
  rsa2Verify,
  serializeNode,
  sortedParamString,
} from './alipay-wire.js';

export interface GatewaySecurity {
  readonly appId: string;
  readonly appPublicKeyPem: string;
  readonly alipayPrivateKeyPem: string;
  readonly forgeryKeyPem: string;
  /** ⚠ null disables the check. Compared with real wall time: it is about the client's clock. */
  readonly timestampToleranceMs: number | null;
  /** The Node SDK stamps host-local time; real Alipay reads it as Beijing time ⚠. */
  readonly timestampZone: 'local' | 'beijing';
  readonly escapeSlashes: boolean;
}

export interface GatewayCall {
  readonly method: string;
  readonly params: Record<string, string>;
  readonly biz: Record<string, unknown>;
}

export function parseGatewayRequest(req: RawRequest): GatewayCall {
  const params: Record<string, string> = {};
  for (const [k, v] of req.query) params[k] = v;
  const contentType = String(req.headers['content-type'] ?? '');
  if (req.rawBody.length > 0 && !contentType.includes('json')) {
    for (const [k, v] of new URLSearchParams(req.rawBody.toString('utf8'))) params[k] = v;
  }
  let biz: Record<string, unknown> = {};
  try {
    const parsed: unknown = params['biz_content'] ? JSON.parse(params['biz_content']) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      biz = parsed as Record<string, unknown>;
  } catch {
    biz = {};
  }
  return { method: params['method'] ?? '', params, biz };
}

function invalidArguments(subCode: string, subMsg: string): ResponseNode {
  return { code: '40002', msg: 'Invalid Arguments', sub_code: subCode, sub_msg: subMsg };
}

/** Returns a refusal node when the request must not be processed. */
export function checkRequest(call: GatewayCall, sec: GatewaySecurity): ResponseNode | null {
  const p = call.params;
  if (!p['method'])
    return {
      code: '40001',
      msg: 'Missing Required Arguments',
      sub_code: 'isv.missing-method',
      sub_msg: '缺少方法名参数',
    };
  if (!p['sign'])
    return {
      code: '40001',
      msg: 'Missing Required Arguments',
      sub_code: 'isv.missing-signature',
      sub_msg: '缺少签名参数',
    };
  if (p['app_id'] !== sec.appId) return invalidArguments('isv.invalid-app-id', '无效的AppID参数');
  if (p['sign_type'] !== 'RSA2') return invalidArguments('isv.invalid-signature-type', '无效的签名类型');
  const ts = parseAlipayTimestamp(p['timestamp'] ?? '', sec.timestampZone);
  if (!ts) return invalidArguments('isv.invalid-timestamp', '非法的时间戳参数');
  if (sec.timestampToleranceMs !== null && Math.abs(Date.now() - ts.getTime()) > sec.timestampToleranceMs) {
    return invalidArguments('isv.invalid-timestamp', '非法的时间戳参数');
  }
  const content = sortedParamString(p, ['sign']);
  if (!rsa2Verify(content, p['sign'], sec.appPublicKeyPem)) {
    return invalidArguments(
      'isv.invalid-signature',
      `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${content}`,
    );
  }
  return null;
}

export function responseKey(method: string): string {
  return `${method.replaceAll('.', '_')}_response`;
}

/** Emits the node then the signature over its exact text; `forge` signs with a foreign key. */
export function sendGatewayResponse(
  res: ServerResponse,
  key: string,
  node: ResponseNode,
  sec: GatewaySecurity,
  forge: boolean,
): void {
  const nodeText = serializeNode(node, sec.escapeSlashes);
  const sign = rsa2Sign(nodeText, forge ? sec.forgeryKeyPem : sec.alipayPrivateKeyPem);
  const body = `{"${key}":${nodeText},"sign":"${sign}"}`;
  res
    .writeHead(200, {
      'content-type': 'application/json;charset=utf-8',
      trace_id: randomUUID().replaceAll('-', ''),
    })
    .end(body);
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * Applies the transport faults of one phase. Returns true when the response must not be sent
 * (the connection was held or cut).
 */
export async function applyTransportFaults(
  faults: readonly FaultKind[],
  phase: 'before' | 'after',
  res: ServerResponse,
  incoming: IncomingMessage,
): Promise<boolean> {
  for (const f of faults) {
    if (phase === 'before' && f.kind === 'latency') await sleep(f.ms);
    if (phase === 'before' && f.kind === 'httpError') {
      res
        .writeHead(f.status, { 'content-type': 'text/html' })
        .end(`<html><body><h1>${f.status} ${f.message}</h1></body></html>`);
      return true;
    }
    const hang =
      (phase === 'before' && f.kind === 'timeoutBeforeApply') ||
      (phase === 'after' && f.kind === 'timeoutAfterApply');
    if (hang) {
      await sleep(f.hangMs ?? 30_000);
      incoming.socket.destroy();
      return true;
    }
    if (f.kind === 'connectionReset' && (f.afterApply ?? false) === (phase === 'after')) {
      incoming.socket.resetAndDestroy();
      return true;
    }
  }
  return false;
}
