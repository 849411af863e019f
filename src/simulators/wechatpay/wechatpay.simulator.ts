/**
 * WeChat Pay API v3 simulator: real paths at the root, real signatures both ways, real refund rules,
 * notifies with retries, trade bills; plus a `/__control` API and an in-process handle for tests.
 */
import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { pino, type Logger } from 'pino';
import {
  createSimClock,
  type SimClock,
  createFaultEngine,
  findFault,
  type FaultEngine,
  type FaultKind,
  type FaultKindName,
  type FaultRule,
  type FaultRuleInput,
  header,
  listenLoopback,
  type RawRequest,
  DEFAULT_SIMULATOR_DATA_DIR,
  loadOrCreateCertificate,
  loadOrCreateKeyPair,
  loadOrCreateSecret,
  randomAlphanumeric,
  type StoredCertificate,
} from '../shared/index.js';
import {
  generateRows,
  renderBill,
  applyEdit,
  type BillType,
  type StatementEdit,
  type StatementState,
} from './wechatpay.bills.js';
import { mountWechatPayControl } from './wechatpay.control.js';
import {
  gcmEncrypt,
  parseAuthorization,
  randomNonce32,
  requestMessage,
  responseMessage,
  rsaSign,
  rsaVerify,
} from './wechatpay-crypto.js';
import {
  createNotifier,
  WECHAT_RETRY_SCHEDULE_MS,
  type Notifier,
  type NotifyDelivery,
  type NotifySigner,
  type DeliveryAttempt,
} from './wechatpay.notifier.js';
import {
  canonicalJson,
  canTransition,
  checkRefundAllowed,
  digits,
  isApiResult,
  isObject,
  refundView,
  validateRefundBody,
  type RefundRules,
} from './wechatpay.refunds.js';
import { isBillDate, rfc3339Shanghai, shanghaiInstant } from './wechatpay-time.js';
import {
  apiError,
  type ApiResult,
  type RefundLifecycle,
  type RefundStatus,
  type RequestRecord,
  type SigningMode,
  type SimPayment,
  type SimRefund,
} from './wechatpay.types.js';

export const WECHAT_PRODUCTION_BASE = 'https://api.mch.weixin.qq.com';

export interface WechatPaySimulatorOptions {
  readonly port?: number;
  readonly host?: string;
  /** Where keys persist (default `.data/simulators/wechatpay`); tests pass a temp dir. */
  readonly dataDir?: string;
  readonly mchid?: string;
  readonly appid?: string;
  readonly signingMode?: SigningMode;
  /** 2 simulates a rotation overlap: both certificates are served, the newer one signs. */
  readonly platformCertificateCount?: 1 | 2;
  /** In `mixed` mode, the share of notifies signed with the public key (rest: certificate), spread evenly. */
  readonly mixedNotifyPublicKeyShare?: number;
  readonly clock?: SimClock;
  /** 'strict' = real limits (60 s spacing); 'lenient' (default) = no spacing so tests run fast. */
  readonly profile?: 'strict' | 'lenient';
  readonly refundSpacingMs?: number;
  readonly maxPartialRefunds?: number;
  readonly refundWindowMs?: number;
  readonly bothTradeIds?: RefundRules['bothTradeIds'];
  readonly refundLifecycle?: RefundLifecycle;
  /** Used when a refund request has no notify_url (the "portal" URL). */
  readonly defaultRefundNotifyUrl?: string;
  /** Accepted request-timestamp skew vs real wall time (default ±5 min). */
  readonly requestSkewMs?: number;
  readonly notify?: {
    readonly timeCompression?: number;
    readonly ackTimeoutMs?: number;
    readonly scheduleMs?: readonly number[];
  };
  readonly bill?: {
    readonly readyHour?: number;
    readonly readyMinute?: number;
    readonly downloadUrlTtlMs?: number;
    readonly feeRateBps?: number;
    /** Append `&tartype=gzip` to download_url for GZIP (seen in the wild). */
    readonly tartypeInDownloadUrl?: boolean;
  };
  readonly logger?: Logger;
}

export interface CreatePaymentInput {
  readonly outTradeNo: string;
  readonly amountFen: number;
  readonly notifyUrl?: string;
  /** Default: the simulated now. */
  readonly successTime?: Date | string;
  readonly transactionId?: string;
  readonly description?: string;
  /** Send TRANSACTION.SUCCESS to notifyUrl right away. */
  readonly sendNotify?: boolean;
}

export interface MerchantIdentity {
  readonly mchid: string;
  readonly appid: string;
  readonly privateKeyPem: string;
  readonly certificatePem: string;
  readonly serialNo: string;
  readonly apiV3Key: string;
}

export interface PlatformIdentity {
  readonly publicKeyId: string;
  readonly publicKeyPem: string;
  readonly certificates: readonly {
    readonly serialNo: string;
    readonly certificatePem: string;
    readonly publicKeyPem: string;
  }[];
  readonly signingMode: SigningMode;
}

/** In-process control handle; the HTTP control API mirrors it one-to-one. */
export interface WechatPaySimulator {
  readonly clock: SimClock;
  createPayment(input: CreatePaymentInput): SimPayment;
  getPayment(outTradeNo: string): SimPayment | undefined;
  sendPaymentNotify(outTradeNo: string, notifyUrl?: string): NotifyDelivery;
  getRefund(outRefundNo: string): SimRefund | undefined;
  listRefunds(): readonly SimRefund[];
  forceRefundStatus(outRefundNo: string, status: RefundStatus): SimRefund;
  setRefundLifecycle(lifecycle: RefundLifecycle): void;
  addFault(rule: FaultRuleInput): FaultRule;
  clearFaults(): void;
  faultHistory(): ReturnType<FaultEngine['history']>;
  /** Every protocol request that passed routing, in arrival order. */
  requests(endpoint?: string): readonly RequestRecord[];
  /** How many refunds were actually created for this out_refund_no (0 or 1 by construction). */
  refundsCreated(outRefundNo: string): number;
  /** How many refund-create requests named this out_refund_no (including replays and failures). */
  refundRequests(outRefundNo: string): number;
  notifyDeliveries(): readonly NotifyDelivery[];
  replayNotify(deliveryId: string): Promise<DeliveryAttempt>;
  holdNotifies(): void;
  releaseNotifies(order?: 'fifo' | 'reverse'): Promise<void>;
  notifiesIdle(timeoutMs?: number): Promise<void>;
  editStatement(billDate: string, edit: StatementEdit): void;
  setBillReadyTime(billDate: string, at: Date): void;
  /** Forget a generated statement so the next apply regenerates it (statuses re-frozen). */
  resetStatement(billDate: string): void;
}

export interface StartedWechatPaySimulator {
  readonly url: string;
  readonly port: number;
  readonly merchant: MerchantIdentity;
  readonly platform: PlatformIdentity;
  readonly sim: WechatPaySimulator;
  close(): Promise<void>;
}

/** Fault kinds per endpoint (anything else is refused when the rule is added). */
const REQUEST_FAULTS: readonly FaultKindName[] = [
  'latency',
  'timeoutAfterApply',
  'timeoutBeforeApply',
  'connectionReset',
  'httpError',
  'systemErrorThenSuccess',
  'rateLimited',
  'badResponseSignature',
];
const SUPPORTED_FAULTS: Record<string, readonly FaultKindName[]> = {
  'refund.create': [...REQUEST_FAULTS, 'insufficientBalance', 'userAccountAbnormal', 'forceStatus'],
  'refund.query': REQUEST_FAULTS,
  'refund.applyAbnormal': [...REQUEST_FAULTS, 'forceStatus'],
  'bill.apply': [...REQUEST_FAULTS, 'custom'], // custom 'wrongHash'
  'bill.download': ['latency', 'timeoutBeforeApply', 'connectionReset', 'httpError', 'custom'], // custom 'truncate' | 'textCsv'
  certificates: REQUEST_FAULTS,
  'notify.deliver': ['duplicate', 'delay', 'drop', 'forgeSignature', 'corruptCiphertext', 'signatureProbe'],
};

const YEAR_MS = 365 * 86_400_000;

interface DownloadToken {
  readonly bytes: Buffer;
  readonly gzip: boolean;
  readonly expiresAtMs: number;
  readonly billDate: string;
}

type Signer = NotifySigner;

interface Route {
  readonly endpoint: string;
  readonly id: string | undefined;
  readonly run: (faults: readonly FaultKind[]) => ApiResult;
}

export async function startWechatPaySimulator(
  options: WechatPaySimulatorOptions = {},
): Promise<StartedWechatPaySimulator> {
  const dataDir = options.dataDir ?? `${DEFAULT_SIMULATOR_DATA_DIR}/wechatpay`;
  const logger = options.logger ?? pino({ level: 'silent' });
  const clock = options.clock ?? createSimClock();
  const mchid = options.mchid ?? '1900000100';
  const appid = options.appid ?? 'wxd678efh567hg6787';
  const signingMode = options.signingMode ?? 'public_key';
  const skewMs = options.requestSkewMs ?? 5 * 60_000;
  const billOpts = {
    readyHour: 10,
    readyMinute: 0,
    downloadUrlTtlMs: 5 * 60_000,
    feeRateBps: 60,
    tartypeInDownloadUrl: false,
    ...options.bill,
  };
  const rules: RefundRules = {
    maxPartialRefunds: options.maxPartialRefunds ?? 50,
    refundSpacingMs: options.refundSpacingMs ?? (options.profile === 'strict' ? 60_000 : 0),
    refundWindowMs: options.refundWindowMs ?? YEAR_MS,
    bothTradeIds: options.bothTradeIds ?? 'reject',
  };
  let lifecycle: RefundLifecycle = options.refundLifecycle ?? { mode: 'auto', afterMs: 3_000 };

  // ---- identities (persisted under dataDir) ----
  const merchantCert = await loadOrCreateCertificate(dataDir, 'merchant-apiclient', {
    subject: {
      commonName: `${mchid}`,
      organizationalUnit: 'Tenpay.com',
      organization: '微信商户系统',
      country: 'CN',
    },
  });
  const platformCerts: StoredCertificate[] = [];
  for (let i = 1; i <= (options.platformCertificateCount ?? 1); i++) {
    platformCerts.push(
      await loadOrCreateCertificate(dataDir, `platform-cert-${i}`, {
        subject: { commonName: 'Tenpay.com Root CA sim', organization: 'Tenpay.com', country: 'CN' },
      }),
    );
  }
  const publicKeyPair = await loadOrCreateKeyPair(dataDir, 'platform-public-key');
  const publicKeyId = await loadOrCreateSecret(
    dataDir,
    'platform-public-key-id',
    () => `PUB_KEY_ID_01${digits(32)}`,
  );
  const apiV3Key = await loadOrCreateSecret(dataDir, 'apiv3-key', () => randomAlphanumeric(32));
  const newestCert = platformCerts[platformCerts.length - 1] as StoredCertificate;
  const pubKeySigner: Signer = { serial: publicKeyId, privateKeyPem: publicKeyPair.privateKeyPem };
  const certSigner = (serial?: string): Signer => {
    const c = platformCerts.find((p) => p.serialNo === serial?.toUpperCase()) ?? newestCert;
    return { serial: c.serialNo, privateKeyPem: c.privateKeyPem };
  };
  let forger: string | undefined;
  const forgerKey = (): string =>
    (forger ??= generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString());

  // ---- state ----
  const payments = new Map<string, SimPayment>();
  const refunds = new Map<string, SimRefund>();
  const requestLog: RequestRecord[] = [];
  const created = new Map<string, number>();
  const statements = new Map<string, StatementState>();
  const pendingEdits = new Map<string, StatementEdit[]>();
  const readyOverrides = new Map<string, Date>();
  const tokens = new Map<string, DownloadToken>();
  const cancelTimers = new Map<string, () => void>();
  const faults = createFaultEngine({ supported: SUPPORTED_FAULTS, now: () => clock.now() });

  let mixedCount = 0;
  const notifier: Notifier = createNotifier({
    apiV3Key,
    faults,
    logger,
    now: () => clock.now(),
    timeCompression: options.notify?.timeCompression ?? 1,
    ackTimeoutMs: options.notify?.ackTimeoutMs ?? 5_000,
    scheduleMs: options.notify?.scheduleMs ?? WECHAT_RETRY_SCHEDULE_MS,
    pickSigner: () => {
      if (signingMode === 'public_key') return pubKeySigner;
      if (signingMode === 'certificate') return certSigner();
      // Deterministic spread (not random) so tests are repeatable: exactly `share` of notifies use the public key.
      const share = options.mixedNotifyPublicKeyShare ?? 0.5;
      mixedCount += 1;
      return Math.floor(mixedCount * share) > Math.floor((mixedCount - 1) * share)
        ? pubKeySigner
        : certSigner();
    },
  });

  // ---- refund lifecycle ----
  const notifyRefund = (r: SimRefund): void => {
    const url = r.notifyUrl ?? options.defaultRefundNotifyUrl;
    if (!url || r.status === 'PROCESSING') return; // no notify for PROCESSING (A2.2)
    const summary = { SUCCESS: '退款成功', ABNORMAL: '退款异常', CLOSED: '退款关闭' }[r.status];
    notifier.enqueue({
      eventType: `REFUND.${r.status}`,
      summary,
      originalType: 'refund',
      url,
      outTradeNo: r.outTradeNo,
      outRefundNo: r.outRefundNo,
      resource: {
        mchid,
        transaction_id: r.transactionId,
        out_trade_no: r.outTradeNo,
        refund_id: r.refundId,
        out_refund_no: r.outRefundNo,
        refund_status: r.status,
        ...(r.status === 'SUCCESS' && r.successTime ? { success_time: rfc3339Shanghai(r.successTime) } : {}),
        user_received_account: r.userReceivedAccount,
        amount: {
          total: r.totalFen,
          refund: r.refundFen,
          payer_total: r.totalFen,
          payer_refund: r.refundFen,
        },
      },
    });
  };

  const transition = (r: SimRefund, to: RefundStatus, by: string): void => {
    if (r.status === to) return;
    if (!canTransition(r.status, to))
      throw new Error(`refund ${r.outRefundNo}: ${r.status} → ${to} is not allowed`);
    cancelTimers.get(r.outRefundNo)?.();
    r.status = to;
    if (to === 'SUCCESS') r.successTime = clock.now();
    r.history.push({ status: to, at: clock.now(), by });
    if (to === 'PROCESSING') scheduleLifecycle(r, 'SUCCESS');
    else notifyRefund(r);
  };

  const scheduleLifecycle = (
    r: SimRefund,
    fallbackOutcome: 'SUCCESS' | 'ABNORMAL' | 'CLOSED' = 'SUCCESS',
  ): void => {
    if (lifecycle.mode === 'manual') return;
    const outcome = r.history.length > 1 ? 'SUCCESS' : (lifecycle.outcome ?? fallbackOutcome);
    if (lifecycle.mode === 'immediate') return transition(r, outcome, 'lifecycle');
    const cancel = clock.at(new Date(clock.now().getTime() + lifecycle.afterMs), () => {
      cancelTimers.delete(r.outRefundNo);
      if (r.status === 'PROCESSING') transition(r, outcome, 'lifecycle');
    });
    cancelTimers.set(r.outRefundNo, cancel);
  };

  // ---- protocol handlers ----
  const createRefund = (rawBody: Buffer, hits: readonly FaultKind[]): ApiResult => {
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      return apiError(400, 'PARAM_ERROR', '请求体不是合法的JSON');
    }
    const v = validateRefundBody(body, rules);
    if (isApiResult(v)) return v;
    const fingerprint = canonicalJson(body);
    const existing = refunds.get(v.outRefundNo);
    if (existing) {
      return existing.fingerprint === fingerprint
        ? { kind: 'json', status: 200, body: refundView(existing) }
        : apiError(400, 'INVALID_REQUEST', '请求内容和上次请求不一致，商户退款单号已经被其他请求使用');
    }
    const payment =
      v.transactionId !== undefined
        ? [...payments.values()].find((p) => p.transactionId === v.transactionId)
        : v.outTradeNo !== undefined
          ? payments.get(v.outTradeNo)
          : undefined;
    if (!payment) return apiError(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    const refused = checkRefundAllowed(payment, [...refunds.values()], v, rules, clock);
    if (refused) return refused;
    const now = clock.now();
    const r: SimRefund = {
      refundId: `503${digits(26)}`,
      outRefundNo: v.outRefundNo,
      outTradeNo: payment.outTradeNo,
      transactionId: payment.transactionId,
      refundFen: v.refund,
      totalFen: v.total,
      reason: v.reason,
      notifyUrl: v.notifyUrl,
      fundsAccount: v.fundsAccount ?? 'AVAILABLE',
      fingerprint,
      createTime: now,
      status: 'PROCESSING',
      successTime: undefined,
      channel: 'ORIGINAL',
      userReceivedAccount: '支付用户零钱',
      history: [{ status: 'PROCESSING', at: now, by: 'api' }],
    };
    refunds.set(r.outRefundNo, r);
    created.set(r.outRefundNo, (created.get(r.outRefundNo) ?? 0) + 1);
    const forced = findFault(hits, 'forceStatus');
    if (forced) {
      if (forced.status !== 'PROCESSING') transition(r, forced.status, 'fault');
    } else scheduleLifecycle(r);
    return { kind: 'json', status: 200, body: refundView(r) };
  };

  const queryRefund = (outRefundNo: string): ApiResult => {
    const r = refunds.get(outRefundNo);
    return r
      ? { kind: 'json', status: 200, body: refundView(r) }
      : apiError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
  };

  const applyAbnormal = (
    refundId: string,
    rawBody: Buffer,
    req: RawRequest,
    hits: readonly FaultKind[],
  ): ApiResult => {
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      return apiError(400, 'PARAM_ERROR', '请求体不是合法的JSON');
    }
    if (!isObject(body)) return apiError(400, 'PARAM_ERROR', '参数错误');
    const r = [...refunds.values()].find((x) => x.refundId === refundId);
    if (!r || r.outRefundNo !== body['out_refund_no'])
      return apiError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    const type = body['type'];
    if (type !== 'USER_BANK_CARD' && type !== 'MERCHANT_BANK_CARD')
      return apiError(400, 'PARAM_ERROR', '参数错误', {
        field: '/type',
        value: type,
        issue: 'type取值错误',
        location: 'body',
      });
    // Encrypted fields need the Wechatpay-Serial header naming WeChat's key (A2.6).
    if (
      (body['bank_account'] !== undefined || body['real_name'] !== undefined) &&
      !header(req.headers, 'wechatpay-serial')
    ) {
      return apiError(400, 'PARAM_ERROR', '请求头缺少Wechatpay-Serial');
    }
    if (r.status !== 'ABNORMAL')
      return apiError(400, 'INVALID_REQUEST', '退款单状态不是异常状态，不能发起异常退款');
    transition(r, 'PROCESSING', 'apply-abnormal-refund');
    const forced = findFault(hits, 'forceStatus');
    if (forced && forced.status !== 'PROCESSING') transition(r, forced.status, 'fault');
    return { kind: 'json', status: 200, body: refundView(r) };
  };

  const statementFor = (date: string): StatementState => {
    let state = statements.get(date);
    if (!state) {
      state = {
        rows: generateRows(date, [...payments.values()], [...refunds.values()], billOpts.feeRateBps),
        summaryOverride: {},
        generatedAt: clock.now(),
      };
      for (const e of pendingEdits.get(date) ?? [])
        applyEdit(state, e, { appid, mchid, feeRateBps: billOpts.feeRateBps });
      pendingEdits.delete(date);
      statements.set(date, state);
    }
    return state;
  };

  const readyAt = (date: string): Date =>
    readyOverrides.get(date) ?? shanghaiInstant(date, billOpts.readyHour, billOpts.readyMinute, 1);

  const applyBill = (query: URLSearchParams, hits: readonly FaultKind[]): ApiResult => {
    const date = query.get('bill_date') ?? '';
    const type = (query.get('bill_type') ?? 'ALL') as BillType;
    const tar = query.get('tar_type');
    const unknown = [...query.keys()].find(
      (k) => !['bill_date', 'bill_type', 'tar_type', 'sub_mchid'].includes(k),
    );
    if (unknown)
      return apiError(400, 'PARAM_ERROR', '参数错误', {
        field: unknown,
        issue: '请求中含有未在API文档中定义的参数',
        location: 'query',
      });
    if (!isBillDate(date))
      return apiError(400, 'PARAM_ERROR', '账单日期格式不正确', {
        field: 'bill_date',
        value: date,
        location: 'query',
      });
    if (!['ALL', 'SUCCESS', 'REFUND'].includes(type))
      return apiError(400, 'PARAM_ERROR', 'bill_type取值错误');
    if (tar !== null && tar !== 'GZIP') return apiError(400, 'PARAM_ERROR', 'tar_type取值错误');
    const now = clock.now();
    if (now.getTime() - shanghaiInstant(date, 0, 0).getTime() > 93 * 86_400_000)
      return apiError(400, 'NO_STATEMENT_EXIST', '请求的账单文件不存在');
    if (now < readyAt(date)) return apiError(400, 'STATEMENT_CREATING', '账单生成中');
    const state = statementFor(date);
    const rendered = renderBill(state.rows, type, state.summaryOverride);
    if (!state.rows.some((r) => type === 'ALL' || (type === 'SUCCESS') === (r.kind === 'PAYMENT'))) {
      return apiError(400, 'NO_STATEMENT_EXIST', '请求的账单文件不存在');
    }
    const plain = Buffer.from(rendered, 'utf8');
    const hash = createHash('sha1').update(plain).digest('hex');
    const wrongHash = hits.some((f) => f.kind === 'custom' && f.name === 'wrongHash');
    const token = randomBytes(36).toString('base64url');
    tokens.set(token, {
      bytes: tar === 'GZIP' ? gzipSync(plain) : plain,
      gzip: tar === 'GZIP',
      expiresAtMs: Date.now() + billOpts.downloadUrlTtlMs,
      billDate: date,
    });
    const extra = tar === 'GZIP' && billOpts.tartypeInDownloadUrl ? '&tartype=gzip' : '';
    return {
      kind: 'json',
      status: 200,
      body: {
        hash_type: 'SHA1',
        hash_value: wrongHash ? createHash('sha1').update('x').digest('hex') : hash,
        download_url: `${WECHAT_PRODUCTION_BASE}/v3/billdownload/file?token=${token}${extra}`,
      },
    };
  };

  const downloadBill = (query: URLSearchParams, hits: readonly FaultKind[]): ApiResult => {
    const t = tokens.get(query.get('token') ?? '');
    if (!t) return apiError(404, 'RESOURCE_NOT_EXISTS', '账单下载链接不存在');
    // Expiry is about the real URL lifetime, so it uses wall time like signatures do.
    if (Date.now() > t.expiresAtMs) return apiError(400, 'INVALID_REQUEST', '账单下载链接已过期');
    let bytes = t.bytes;
    if (hits.some((f) => f.kind === 'custom' && f.name === 'truncate'))
      bytes = bytes.subarray(0, Math.floor(bytes.length / 2));
    const textCsv = hits.some((f) => f.kind === 'custom' && f.name === 'textCsv');
    const contentType = textCsv ? 'text/csv' : t.gzip ? 'application/x-gzip' : 'text/plain';
    return { kind: 'file', status: 200, contentType, bytes };
  };

  const certificates = (): ApiResult => ({
    kind: 'json',
    status: 200,
    body: {
      data: platformCerts.map((c) => ({
        serial_no: c.serialNo,
        effective_time: rfc3339Shanghai(c.notBefore),
        expire_time: rfc3339Shanghai(c.notAfter),
        encrypt_certificate: encryptCertificate(apiV3Key, c.certificatePem),
      })),
    },
  });

  // ---- routing, auth, faults, signing ----
  const route = (req: RawRequest): Route | undefined => {
    const { method, path } = req;
    if (method === 'POST' && path === '/v3/refund/domestic/refunds') {
      const id = peekString(req.rawBody, 'out_refund_no');
      return { endpoint: 'refund.create', id, run: (h) => createRefund(req.rawBody, h) };
    }
    const abnormal = /^\/v3\/refund\/domestic\/refunds\/([^/]+)\/apply-abnormal-refund$/.exec(path);
    if (method === 'POST' && abnormal?.[1]) {
      const refundId = decodeURIComponent(abnormal[1]);
      return {
        endpoint: 'refund.applyAbnormal',
        id: peekString(req.rawBody, 'out_refund_no'),
        run: (h) => applyAbnormal(refundId, req.rawBody, req, h),
      };
    }
    const query = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(path);
    if (method === 'GET' && query?.[1]) {
      const outRefundNo = decodeURIComponent(query[1]);
      return { endpoint: 'refund.query', id: outRefundNo, run: () => queryRefund(outRefundNo) };
    }
    if (method === 'GET' && path === '/v3/bill/tradebill')
      return {
        endpoint: 'bill.apply',
        id: req.query.get('bill_date') ?? undefined,
        run: (h) => applyBill(req.query, h),
      };
    if (method === 'GET' && path === '/v3/billdownload/file') {
      const billDate = tokens.get(req.query.get('token') ?? '')?.billDate;
      return { endpoint: 'bill.download', id: billDate, run: (h) => downloadBill(req.query, h) };
    }
    if (method === 'GET' && path === '/v3/certificates')
      return { endpoint: 'certificates', id: undefined, run: () => certificates() };
    return undefined;
  };

  const authenticate = (req: RawRequest): ApiResult | undefined => {
    const auth = parseAuthorization(header(req.headers, 'authorization'));
    const signError = (why: string): ApiResult => {
      logger.debug({ why, target: req.target }, 'wechatpay sim rejected request signature');
      return apiError(401, 'SIGN_ERROR', '签名错误');
    };
    if (!auth) return signError('missing or malformed Authorization');
    if (auth.mchid !== mchid) return signError('unknown mchid');
    if (auth.serialNo.toUpperCase() !== merchantCert.serialNo) return signError('unknown serial_no');
    const ts = Number(auth.timestamp);
    if (!Number.isInteger(ts) || Math.abs(Date.now() - ts * 1000) > skewMs)
      return signError('timestamp outside window');
    const message = requestMessage(req.method, req.target, auth.timestamp, auth.nonceStr, req.rawBody);
    if (!rsaVerify(message, merchantCert.publicKeyPem, auth.signature)) return signError('bad signature');
    return undefined;
  };

  const responseSigner = (req: RawRequest): Signer => {
    if (signingMode === 'public_key') return pubKeySigner;
    if (signingMode === 'certificate') return certSigner();
    // Mixed: answer with whatever key the request's Wechatpay-Serial names (migration behaviour, A1.3).
    const wanted = header(req.headers, 'wechatpay-serial');
    return wanted === publicKeyId ? pubKeySigner : certSigner(wanted);
  };

  const sendSigned = (
    res: ServerResponse,
    req: RawRequest,
    result: ApiResult & { kind: 'json' },
    bad?: Extract<FaultKind, { kind: 'badResponseSignature' }>,
  ): void => {
    const text = JSON.stringify(result.body);
    const signer = responseSigner(req);
    const mode = bad?.mode ?? (bad ? 'forgedSignature' : undefined);
    const ts = String(Math.floor(Date.now() / 1000) - (mode === 'staleTimestamp' ? 600 : 0));
    const nonce = randomNonce32();
    const key = mode === 'forgedSignature' ? forgerKey() : signer.privateKeyPem;
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
  };

  const hang = async (res: ServerResponse, ms: number): Promise<void> => {
    await new Promise((r) => setTimeout(r, ms).unref());
    res.socket?.destroy();
  };

  const handleProtocol = async (req: RawRequest, res: ServerResponse): Promise<void> => {
    const r = route(req);
    const record: RequestRecord = {
      seq: requestLog.length + 1,
      at: clock.now(),
      endpoint: r?.endpoint ?? 'unknown',
      method: req.method,
      target: req.target,
      body: req.rawBody.toString('utf8'),
      id: r?.id,
      outcome: 0,
      code: undefined,
      faults: [],
    };
    requestLog.push(record);
    const finish = (result: ApiResult, bad?: Extract<FaultKind, { kind: 'badResponseSignature' }>): void => {
      record.outcome = result.status;
      if (result.kind === 'json') {
        record.code =
          isObject(result.body) && typeof result.body['code'] === 'string' ? result.body['code'] : undefined;
        sendSigned(res, req, result, bad);
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
    const denied = authenticate(req);
    if (denied) return finish(denied);
    const hits = faults.take(r.endpoint, r.id);
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
  };

  // ---- handle ----
  const sim: WechatPaySimulator = {
    clock,
    createPayment(input) {
      if (payments.has(input.outTradeNo)) throw new Error(`payment ${input.outTradeNo} exists`);
      if (!Number.isSafeInteger(input.amountFen) || input.amountFen <= 0)
        throw new Error('amountFen must be a positive integer');
      const p: SimPayment = {
        outTradeNo: input.outTradeNo,
        transactionId: input.transactionId ?? `4200${digits(24)}`,
        appid,
        mchid,
        totalFen: input.amountFen,
        currency: 'CNY',
        successTime: input.successTime ? new Date(input.successTime) : clock.now(),
        notifyUrl: input.notifyUrl,
        tradeType: 'JSAPI',
        bankType: 'OTHERS',
        openid: `oSim${randomAlphanumeric(24)}`,
        description: input.description ?? '外卖订单',
      };
      payments.set(p.outTradeNo, p);
      if (input.sendNotify) sim.sendPaymentNotify(p.outTradeNo);
      return p;
    },
    getPayment: (no) => payments.get(no),
    sendPaymentNotify(outTradeNo, notifyUrl) {
      const p = payments.get(outTradeNo);
      const url = notifyUrl ?? p?.notifyUrl;
      if (!p || !url) throw new Error(`payment ${outTradeNo} unknown or without notify URL`);
      return notifier.enqueue({
        eventType: 'TRANSACTION.SUCCESS',
        summary: '支付成功',
        originalType: 'transaction',
        url,
        outTradeNo,
        resource: {
          mchid,
          appid,
          out_trade_no: p.outTradeNo,
          transaction_id: p.transactionId,
          trade_type: p.tradeType,
          trade_state: 'SUCCESS',
          trade_state_desc: '支付成功',
          bank_type: p.bankType,
          attach: '',
          success_time: rfc3339Shanghai(p.successTime),
          payer: { openid: p.openid },
          amount: { total: p.totalFen, payer_total: p.totalFen, currency: 'CNY', payer_currency: 'CNY' },
        },
      });
    },
    getRefund: (no) => refunds.get(no),
    listRefunds: () => [...refunds.values()],
    forceRefundStatus(no, status) {
      const r = refunds.get(no);
      if (!r) throw new Error(`refund ${no} unknown`);
      transition(r, status, 'control');
      return r;
    },
    setRefundLifecycle(l) {
      lifecycle = l;
    },
    addFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    faultHistory: () => faults.history(),
    requests: (endpoint) => (endpoint ? requestLog.filter((r) => r.endpoint === endpoint) : requestLog),
    refundsCreated: (no) => created.get(no) ?? 0,
    refundRequests: (no) => requestLog.filter((r) => r.endpoint === 'refund.create' && r.id === no).length,
    notifyDeliveries: () => notifier.list(),
    replayNotify: (id) => notifier.replay(id),
    holdNotifies: () => notifier.hold(),
    releaseNotifies: (order = 'fifo') => notifier.release(order),
    notifiesIdle: (timeoutMs) => notifier.idle(timeoutMs),
    editStatement(date, edit) {
      if (!isBillDate(date)) throw new Error(`bad bill date '${date}'`);
      const state = statements.get(date);
      if (state) applyEdit(state, edit, { appid, mchid, feeRateBps: billOpts.feeRateBps });
      else pendingEdits.set(date, [...(pendingEdits.get(date) ?? []), edit]);
    },
    setBillReadyTime: (date, at) => void readyOverrides.set(date, at),
    resetStatement: (date) => void statements.delete(date),
  };

  const control = mountWechatPayControl(sim);
  const server = await listenLoopback(
    async (req, res) => {
      if (await control.handle(req, res)) return;
      await handleProtocol(req, res);
    },
    {
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      onError: (err) => logger.error({ err }, 'wechatpay simulator error'),
    },
  );
  logger.info({ url: server.url, mchid, signingMode }, 'wechatpay simulator listening');

  return {
    url: server.url,
    port: server.port,
    merchant: {
      mchid,
      appid,
      privateKeyPem: merchantCert.privateKeyPem,
      certificatePem: merchantCert.certificatePem,
      serialNo: merchantCert.serialNo,
      apiV3Key,
    },
    platform: {
      publicKeyId,
      publicKeyPem: publicKeyPair.publicKeyPem,
      certificates: platformCerts.map((c) => ({
        serialNo: c.serialNo,
        certificatePem: c.certificatePem,
        publicKeyPem: c.publicKeyPem,
      })),
      signingMode,
    },
    sim,
    async close() {
      notifier.close();
      for (const cancel of cancelTimers.values()) cancel();
      if (!options.clock) clock.dispose();
      await server.close();
    },
  };
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

/** Same AEAD as notifies, AAD 'certificate' (A1.3). */
function encryptCertificate(apiV3Key: string, certificatePem: string): Record<string, string> {
  return { ...gcmEncrypt(apiV3Key, certificatePem, 'certificate') };
}

/** A change a client can only notice through the signature: upgrade a status, or add a space. */
function tamper(text: string): string {
  return text.includes('"status":"PROCESSING"')
    ? text.replace('"status":"PROCESSING"', '"status":"SUCCESS"')
    : `${text} `;
}

/** A scratch data dir for tests that do not care about key reuse. */
export function tempSimulatorDataDir(prefix = 'wechatpay-sim-'): string {
  return mkdtempSync(`${process.env['TMPDIR'] ?? '/tmp'}/${prefix}`);
}
