import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { findFault, header, type FaultKind, type RawRequest } from '../shared/index.js';
import {
  parseAuthorization,
  randomNonce32,
  requestMessage,
  responseMessage,
  rsaSign,
  rsaVerify,
} from './wechatpay-crypto.js';
import type { WechatPayKeys } from './wechatpay.keys.js';
import type { NotifySigner } from './wechatpay.notifier.js';
import { isObject } from './wechatpay.refunds.js';
import type { WechatPaySimulator } from './wechatpay.simulator.js';
import { apiError, type ApiResult, type SigningMode } from './wechatpay.types.js';

interface Route {
  readonly endpoint: string;
  readonly id: string | undefined;
  readonly run: (faults: readonly FaultKind[]) => ApiResult;
}

export interface ProtocolSettings {
  readonly mchid: string;
  readonly signingMode: SigningMode;
  /** Accepted request-timestamp skew vs real wall time. */
  readonly skewMs: number;
}

/**
 * The simulator's API v3 over HTTP: routing, request signature checks, fault injection around the
 * business handlers, and signed responses.
 */
export class WechatPayProtocol {
  constructor(
    private readonly sim: WechatPaySimulator,
    private readonly keys: WechatPayKeys,
    private readonly settings: ProtocolSettings,
    private readonly logger: Logger,
  ) {}

  async handle(req: RawRequest, res: ServerResponse): Promise<void> {
    const r = this.route(req);
    const record = this.sim.recordRequest({
      at: this.sim.clock.now(),
      endpoint: r?.endpoint ?? 'unknown',
      method: req.method,
      target: req.target,
      body: req.rawBody.toString('utf8'),
      id: r?.id,
      outcome: 0,
      code: undefined,
      faults: [],
    });
    const finish = (result: ApiResult, bad?: Extract<FaultKind, { kind: 'badResponseSignature' }>): void => {
      record.outcome = result.status;
      if (result.kind === 'json') {
        record.code =
          isObject(result.body) && typeof result.body['code'] === 'string' ? result.body['code'] : undefined;
        this.sendSigned(res, req, result, bad);
      } else {
        res
          .writeHead(result.status, {
            'content-type': result.contentType,
            'content-length': String(result.bytes.length),
          })
          .end(result.bytes);
      }
    };
    if (!r) return finish(apiError(404, 'NOT_FOUND', `无此接口 ${req.method} ${req.path}`));
    const denied = this.authenticate(req);
    if (denied) return finish(denied);
    const hits = this.sim.faults.take(r.endpoint, r.id);
    record.faults = hits.map((h) => h.kind);
    for (const h of hits) if (h.kind === 'latency') await new Promise((ok) => setTimeout(ok, h.ms));
    const before = beforeApply(hits);
    if (before === 'reset') {
      record.outcome = 'reset';
      return void res.socket?.destroy();
    }
    if (before === 'hang') {
      record.outcome = 'hang';
      return hang(res, findFault(hits, 'timeoutBeforeApply')?.hangMs ?? 30_000);
    }
    if (before) return finish(before);
    const result = r.run(hits);
    const after = findFault(hits, 'timeoutAfterApply');
    if (after) {
      record.outcome = 'hang';
      return hang(res, after.hangMs ?? 30_000);
    }
    if (hits.some((h) => h.kind === 'connectionReset' && h.afterApply)) {
      record.outcome = 'reset';
      return void res.socket?.destroy();
    }
    if (findFault(hits, 'systemErrorThenSuccess')) return finish(apiError(500, 'SYSTEM_ERROR', '系统错误'));
    finish(result, findFault(hits, 'badResponseSignature'));
  }

  private route(req: RawRequest): Route | undefined {
    const { method, path } = req;
    const sim = this.sim;
    if (method === 'POST' && path === '/v3/refund/domestic/refunds') {
      const id = peekString(req.rawBody, 'out_refund_no');
      return { endpoint: 'refund.create', id, run: (h) => sim.createRefund(req.rawBody, h) };
    }
    const abnormal = /^\/v3\/refund\/domestic\/refunds\/([^/]+)\/apply-abnormal-refund$/.exec(path);
    if (method === 'POST' && abnormal?.[1]) {
      const refundId = decodeURIComponent(abnormal[1]);
      return {
        endpoint: 'refund.applyAbnormal',
        id: peekString(req.rawBody, 'out_refund_no'),
        run: (h) => sim.applyAbnormal(refundId, req.rawBody, req, h),
      };
    }
    const query = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(path);
    if (method === 'GET' && query?.[1]) {
      const outRefundNo = decodeURIComponent(query[1]);
      return { endpoint: 'refund.query', id: outRefundNo, run: () => sim.queryRefund(outRefundNo) };
    }
    if (method === 'GET' && path === '/v3/bill/tradebill')
      return {
        endpoint: 'bill.apply',
        id: req.query.get('bill_date') ?? undefined,
        run: (h) => sim.applyBill(req.query, h),
      };
    if (method === 'GET' && path === '/v3/billdownload/file') {
      const billDate = sim.billDateOfToken(req.query.get('token') ?? '');
      return { endpoint: 'bill.download', id: billDate, run: (h) => sim.downloadBill(req.query, h) };
    }
    if (method === 'GET' && path === '/v3/certificates')
      return { endpoint: 'certificates', id: undefined, run: () => sim.certificates() };
    return undefined;
  }

  private authenticate(req: RawRequest): ApiResult | undefined {
    const auth = parseAuthorization(header(req.headers, 'authorization'));
    const signError = (why: string): ApiResult => {
      this.logger.debug({ why, target: req.target }, 'wechatpay sim rejected request signature');
      return apiError(401, 'SIGN_ERROR', '签名错误');
    };
    const merchantCert = this.keys.merchantCert;
    if (!auth) return signError('missing or malformed Authorization');
    if (auth.mchid !== this.settings.mchid) return signError('unknown mchid');
    if (auth.serialNo.toUpperCase() !== merchantCert.serialNo) return signError('unknown serial_no');
    const ts = Number(auth.timestamp);
    if (!Number.isInteger(ts) || Math.abs(Date.now() - ts * 1000) > this.settings.skewMs)
      return signError('timestamp outside window');
    const message = requestMessage(req.method, req.target, auth.timestamp, auth.nonceStr, req.rawBody);
    if (!rsaVerify(message, merchantCert.publicKeyPem, auth.signature)) return signError('bad signature');
    return undefined;
  }

  private responseSigner(req: RawRequest): NotifySigner {
    const mode = this.settings.signingMode;
    if (mode === 'public_key') return this.keys.publicKeySigner;
    if (mode === 'certificate') return this.keys.certificateSigner();
    // Mixed: answer with whatever key the request's Wechatpay-Serial names (migration behaviour, A1.3).
    const wanted = header(req.headers, 'wechatpay-serial');
    return wanted === this.keys.publicKeyId ? this.keys.publicKeySigner : this.keys.certificateSigner(wanted);
  }

  private sendSigned(
    res: ServerResponse,
    req: RawRequest,
    result: ApiResult & { kind: 'json' },
    bad?: Extract<FaultKind, { kind: 'badResponseSignature' }>,
  ): void {
    const text = JSON.stringify(result.body);
    const signer = this.responseSigner(req);
    const mode = bad?.mode ?? (bad ? 'forgedSignature' : undefined);
    const ts = String(Math.floor(Date.now() / 1000) - (mode === 'staleTimestamp' ? 600 : 0));
    const nonce = randomNonce32();
    const key = mode === 'forgedSignature' ? this.keys.forgerKey() : signer.privateKeyPem;
    const signature = rsaSign(responseMessage(ts, nonce, text), key);
    const sent = mode === 'tamperedBody' ? tamper(text) : text;
    res.writeHead(result.status, {
      'content-type': 'application/json; charset=utf-8',
      'request-id': `${randomUUID().replace(/-/g, '').toUpperCase()}`,
      'wechatpay-timestamp': ts,
      'wechatpay-nonce': nonce,
      'wechatpay-signature': signature,
      'wechatpay-serial': mode === 'unknownSerial' ? `${'F'.repeat(40)}` : signer.serial,
      'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
    });
    res.end(sent);
  }
}

async function hang(res: ServerResponse, ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms).unref());
  res.socket?.destroy();
}

/** Faults that answer (or cut the line) before the business logic runs; the others act later. */
function beforeApply(hits: readonly FaultKind[]): ApiResult | 'hang' | 'reset' | undefined {
  for (const h of hits) {
    if (h.kind === 'timeoutBeforeApply') return 'hang';
    if (h.kind === 'connectionReset' && !h.afterApply) return 'reset';
    if (h.kind === 'httpError') return apiError(h.status, h.code, h.message);
    if (h.kind === 'rateLimited') return apiError(429, 'FREQUENCY_LIMITED', '频率超限');
    if (h.kind === 'insufficientBalance')
      return apiError(403, 'NOT_ENOUGH', '基本账户余额不足，请充值后重新发起');
    if (h.kind === 'userAccountAbnormal')
      return apiError(403, 'USER_ACCOUNT_ABNORMAL', '退款请求失败，用户帐号注销');
  }
  return undefined;
}

function peekString(raw: Buffer, field: string): string | undefined {
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'));
    return isObject(v) && typeof v[field] === 'string' ? v[field] : undefined;
  } catch {
    return undefined;
  }
}

/** A change a client can only notice through the signature: upgrade a status, or add a space. */
function tamper(text: string): string {
  return text.includes('"status":"PROCESSING"')
    ? text.replace('"status":"PROCESSING"', '"status":"SUCCESS"')
    : `${text} `;
}
