/**
 * WeChat Pay v3 adapter (pure I/O). Requests go through the real wechatpay-node-v3 SDK with our HTTP
 * layer injected; notifies, decryption and bill parsing are our own (see notify-crypto.ts, A5.5).
 * Units: our bigint minor units ↔ WeChat integer fen, converted only here.
 */
import { createHash, createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type WxPay from 'wechatpay-node-v3';
import { z } from 'zod';
import { pino } from 'pino';
import { loadOnce } from '../load-once.js';
import {
  ProviderError,
  type HttpReply,
  type InboundHttpRequest,
  type PaymentProvider,
  type ProviderRefundLookup,
  type ProviderRefundRequest,
  type ProviderRefundResult,
  type ProviderRefundStatus,
  type StatementDownload,
  type VerifiedNotification,
} from '../payment-provider.js';
import { decryptResource, verifyWechatSignature } from './notify-crypto.js';
import { createPlatformKeyring } from './platform-keyring.js';
import {
  WECHAT_PRODUCTION_BASE_URL,
  type WechatPayProviderConfig,
  type WechatPayProviderDeps,
} from './wechatpay.config.js';
import { parseWechatError, wechatError } from './wechatpay.errors.js';
import { WechatPayHttp, type WechatOutput } from './wechatpay.http.js';

const REASON_MAX = 80;
const refundStatus = z.enum(['SUCCESS', 'PROCESSING', 'ABNORMAL', 'CLOSED']);
const STATUS_MAP: Readonly<Record<z.infer<typeof refundStatus>, ProviderRefundStatus>> = {
  SUCCESS: 'SUCCEEDED',
  PROCESSING: 'PROCESSING',
  ABNORMAL: 'ABNORMAL',
  CLOSED: 'CLOSED',
};

const refundResponse = z
  .object({
    refund_id: z.string(),
    out_refund_no: z.string(),
    out_trade_no: z.string().optional(),
    status: refundStatus,
    success_time: z.string().optional(),
    amount: z.object({ refund: z.number().int(), total: z.number().int() }).passthrough(),
  })
  .passthrough();

const billApply = z.object({
  hash_type: z.literal('SHA1'),
  hash_value: z.string(),
  download_url: z.string().url(),
});

const envelope = z.object({
  id: z.string(),
  event_type: z.string(),
  resource_type: z.string().optional(),
  resource: z.object({
    algorithm: z.literal('AEAD_AES_256_GCM'),
    ciphertext: z.string(),
    nonce: z.string(),
    associated_data: z.string().optional(),
    original_type: z.string().optional(),
  }),
});

const refundResource = z.object({
  mchid: z.string(),
  out_trade_no: z.string(),
  transaction_id: z.string().optional(),
  refund_id: z.string().optional(),
  out_refund_no: z.string(),
  refund_status: refundStatus,
  success_time: z.string().optional(),
  amount: z.object({ refund: z.number().int(), total: z.number().int() }).passthrough(),
});

const transactionResource = z.object({
  mchid: z.string(),
  appid: z.string(),
  out_trade_no: z.string(),
  transaction_id: z.string(),
  trade_state: z.literal('SUCCESS'),
  success_time: z.string(),
  amount: z.object({ total: z.number().int(), currency: z.string().optional() }).passthrough(),
});

/**
 * The SDK, loaded on the adapter's first use (it and superagent are not needed to start). It signs each
 * request with the PEM it was given, so every request would parse the merchant key again (about a
 * third of an RSA-2048 signature's cost): the subclass signs the same bytes with the key parsed once.
 */
async function createWxPay(
  options: ConstructorParameters<typeof WxPay>[0] & object,
  signingKey: KeyObject,
): Promise<WxPay> {
  const { default: Sdk } = await import('wechatpay-node-v3');
  class ParsedKeyWxPay extends Sdk {
    override sha256WithRsa(data: string): string {
      return createSign('RSA-SHA256').update(data).sign(signingKey, 'base64');
    }
  }
  return new ParsedKeyWxPay(options);
}

/** The SDK's protected signer, needed for endpoints it has no method for (A5.5). */

interface SdkSigner {
  buildAuthorization(method: string, url: string, params?: Record<string, unknown>): string;
  getHeaders(authorization: string, headers?: Record<string, string>): Record<string, string>;
}

export interface WechatPayProvider extends PaymentProvider {
  readonly channel: 'WECHAT_PAY';
  /** POST /v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund (refund to another card). */
  applyAbnormalRefund(input: {
    providerRefundId: string;
    refundId: string;
    type: 'USER_BANK_CARD' | 'MERCHANT_BANK_CARD';
  }): Promise<ProviderRefundResult>;
}

function toFen(minor: bigint, what: string): number {
  if (minor <= 0n || minor > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ProviderError('AMOUNT_INVALID', `${what} out of range: ${minor}`);
  return Number(minor);
}

function truncateReason(reason: string): string {
  return [...reason].slice(0, REASON_MAX).join('');
}

export function createWechatPayProvider(
  config: WechatPayProviderConfig,
  deps: WechatPayProviderDeps = {},
): WechatPayProvider {
  const now = deps.now ?? (() => new Date());
  const logger = (deps.logger ?? pino({ level: 'silent' })).child({ provider: 'wechatpay' });
  const maxSkewMs = config.maxSkewMs ?? 5 * 60_000;
  const keyring = createPlatformKeyring(config);
  const http = new WechatPayHttp({
    baseUrl: (config.baseUrl ?? WECHAT_PRODUCTION_BASE_URL).replace(/\/$/, ''),
    timeoutMs: config.timeoutMs ?? 10_000,
    keyring,
    maxSkewMs,
    now,
  });
  const signingKey = createPrivateKey(config.merchantPrivateKeyPem);
  const sdk = loadOnce(async () => {
    const pay = await createWxPay(
      {
        appid: config.appid,
        mchid: config.mchid,
        serial_no: config.merchantSerialNo.toUpperCase(),
        // The SDK insists on a certificate but only reads it to derive serial_no, which we pass explicitly.
        publicKey: Buffer.from(config.merchantCertificatePem ?? 'unused'),
        privateKey: Buffer.from(config.merchantPrivateKeyPem),
        key: config.apiV3Key,
      },
      signingKey,
    );
    pay.createHttp(http);
    return pay;
  });

  const refundResult = (out: WechatOutput): ProviderRefundResult => {
    const parsed = refundResponse.safeParse(out.data);
    if (!parsed.success)
      throw new ProviderError(
        'PROVIDER_UNAVAILABLE',
        `wechatpay refund response malformed: ${parsed.error.message.slice(0, 200)}`,
        undefined,
        out.status,
      );
    const r = parsed.data;
    return {
      status: STATUS_MAP[r.status],
      refundId: r.out_refund_no,
      providerRefundId: r.refund_id,
      amountMinor: BigInt(r.amount.refund),
      succeededAt: r.status === 'SUCCESS' && r.success_time ? new Date(r.success_time) : null,
    };
  };

  const ensureOk = (out: WechatOutput): WechatOutput => {
    if (out.status === 200) return out;
    throw wechatError(out.status, out.errRaw);
  };

  const refund = async (req: ProviderRefundRequest): Promise<ProviderRefundResult> => {
    if (req.currency !== 'CNY')
      throw new ProviderError('AMOUNT_INVALID', `wechatpay refunds are CNY only, got ${req.currency}`);
    const notifyUrl = req.notifyUrl ?? config.notifyUrl;
    // Always out_trade_no: stable across retries, so a retry is byte-identical and idempotent upstream.
    const params = {
      out_trade_no: req.outTradeNo,
      out_refund_no: req.refundId,
      reason: truncateReason(req.reason),
      ...(notifyUrl ? { notify_url: notifyUrl } : {}),
      amount: {
        refund: toFen(req.amountMinor, 'amountMinor'),
        total: toFen(req.paymentTotalMinor, 'paymentTotalMinor'),
        currency: 'CNY',
      },
    };
    const out = (await (await sdk()).refunds(params)) as WechatOutput;
    logger.debug({ refundId: req.refundId, status: out.status }, 'wechatpay refund answered');
    return refundResult(ensureOk(out));
  };

  const queryRefund = async (lookup: ProviderRefundLookup): Promise<ProviderRefundResult | null> => {
    const out = (await (await sdk()).find_refunds(lookup.refundId)) as WechatOutput;
    if (out.status === 404 && parseWechatError(out.errRaw)?.code === 'RESOURCE_NOT_EXISTS') return null;
    const result = refundResult(ensureOk(out));
    if (result.refundId !== lookup.refundId)
      throw new ProviderError('PROVIDER_UNAVAILABLE', 'wechatpay query answered for another refund');
    return result;
  };

  const applyAbnormalRefund: WechatPayProvider['applyAbnormalRefund'] = async (input) => {
    const url = `${WECHAT_PRODUCTION_BASE_URL}/v3/refund/domestic/refunds/${encodeURIComponent(input.providerRefundId)}/apply-abnormal-refund`;
    const params = { out_refund_no: input.refundId, type: input.type };
    const signer = (await sdk()) as unknown as SdkSigner;
    const headers = signer.getHeaders(signer.buildAuthorization('POST', url, params), {
      'Content-Type': 'application/json',
    });
    return refundResult(ensureOk(await http.post(url, params, headers)));
  };

  const verifyNotification = async (request: InboundHttpRequest, at: Date): Promise<VerifiedNotification> => {
    verifyWechatSignature({
      headers: request.headers,
      rawBody: request.rawBody,
      now: at,
      maxSkewMs,
      keyring,
    });
    const env = parseJson(envelope, request.rawBody.toString('utf8'), 'notify envelope');
    const plaintext = decryptResource(config.apiV3Key, env.resource);
    if (env.event_type.startsWith('REFUND.')) return refundNotification(env, plaintext);
    if (env.event_type === 'TRANSACTION.SUCCESS') return transactionNotification(env, plaintext);
    throw new ProviderError('MALFORMED_NOTIFICATION', `unsupported wechatpay event_type ${env.event_type}`);
  };

  const refundNotification = (env: z.infer<typeof envelope>, plaintext: string): VerifiedNotification => {
    const r = parseJson(refundResource, plaintext, 'refund resource');
    if (r.mchid !== config.mchid)
      throw new ProviderError('MALFORMED_NOTIFICATION', 'wechatpay notify for another mchid');
    if (env.event_type !== `REFUND.${r.refund_status}`)
      throw new ProviderError(
        'MALFORMED_NOTIFICATION',
        `event ${env.event_type} carries refund_status ${r.refund_status}`,
      );
    return {
      notifyId: env.id,
      dedupeKey: `wechatpay:refund:${r.out_refund_no}:${r.refund_status}`,
      event: {
        type: 'REFUND_STATUS',
        refundId: r.out_refund_no,
        outTradeNo: r.out_trade_no,
        providerTransactionId: r.transaction_id ?? null,
        providerRefundId: r.refund_id ?? null,
        status: STATUS_MAP[r.refund_status],
        amountMinor: BigInt(r.amount.refund),
        cumulativeRefundedMinor: null,
        occurredAt: r.success_time ? new Date(r.success_time) : now(),
      },
    };
  };

  const transactionNotification = (
    env: z.infer<typeof envelope>,
    plaintext: string,
  ): VerifiedNotification => {
    const t = parseJson(transactionResource, plaintext, 'transaction resource');
    if (t.mchid !== config.mchid || t.appid !== config.appid)
      throw new ProviderError('MALFORMED_NOTIFICATION', 'wechatpay notify for another mchid/appid');
    return {
      notifyId: env.id,
      dedupeKey: `wechatpay:transaction:${t.transaction_id}:SUCCESS`,
      event: {
        type: 'PAYMENT_SUCCEEDED',
        outTradeNo: t.out_trade_no,
        providerTransactionId: t.transaction_id,
        amountMinor: BigInt(t.amount.total),
        currency: t.amount.currency ?? 'CNY',
        paidAt: new Date(t.success_time),
      },
    };
  };

  const acknowledge = (accepted: boolean): HttpReply =>
    accepted
      ? { status: 204, headers: {}, body: '' }
      : {
          status: 401,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code: 'FAIL', message: '失败' }),
        };

  const downloadStatement = async (billDate: string): Promise<StatementDownload> => {
    const pay = await sdk();
    const applied = await pay.tradebill({ bill_date: billDate, bill_type: 'ALL', tar_type: 'GZIP' });
    if (applied.status !== 200) {
      const code = parseWechatError(applied.errRaw)?.code;
      if (code === 'STATEMENT_CREATING') return { status: 'NOT_READY' };
      if (code === 'NO_STATEMENT_EXIST') return { status: 'NO_STATEMENT' };
      throw wechatError(applied.status, applied.errRaw);
    }
    const bill = billApply.safeParse(applied.data);
    if (!bill.success)
      throw new ProviderError('STATEMENT_CORRUPT', 'wechatpay bill apply response malformed');
    const downloaded = await pay.downloadBill(bill.data.download_url);
    if (downloaded.status !== 200 || !Buffer.isBuffer(downloaded.data)) {
      // Expired or unknown token: re-apply later.
      throw new ProviderError(
        'STATEMENT_NOT_READY',
        `wechatpay bill download failed (${downloaded.status})`,
        parseWechatError(downloaded.errRaw)?.code,
        downloaded.status,
      );
    }
    const raw = downloaded.data;
    const sha1 = await plainSha1(raw);
    if (sha1 !== bill.data.hash_value.toLowerCase())
      throw new ProviderError(
        'STATEMENT_CORRUPT',
        `wechatpay bill sha1 ${sha1} ≠ hash_value ${bill.data.hash_value}`,
      );
    return {
      status: 'READY',
      raw,
      format: 'WECHATPAY_TRADEBILL_GZIP',
      fileName: `wechatpay-${config.mchid}-tradebill-ALL-${billDate}.csv.gz`,
      sha256: createHash('sha256').update(raw).digest('hex'),
    };
  };

  return {
    channel: 'WECHAT_PAY',
    refund,
    queryRefund,
    applyAbnormalRefund,
    verifyNotification,
    acknowledge,
    downloadStatement,
  } satisfies WechatPayProvider;
}

/** SHA-1 of the gunzipped file (hash_value is over the plain file), streamed: the plain file is never held. */
async function plainSha1(raw: Buffer): Promise<string> {
  const hash = createHash('sha1');
  try {
    await pipeline(Readable.from([raw]), createGunzip(), hash);
  } catch (err) {
    throw new ProviderError('STATEMENT_CORRUPT', `wechatpay bill gunzip failed: ${(err as Error).message}`);
  }
  return hash.digest('hex');
}

function parseJson<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProviderError('MALFORMED_NOTIFICATION', `wechatpay ${what} is not JSON`);
  }
  const r = schema.safeParse(value);
  if (!r.success)
    throw new ProviderError(
      'MALFORMED_NOTIFICATION',
      `wechatpay ${what} invalid: ${r.error.message.slice(0, 200)}`,
    );
  return r.data;
}
