/**
 * WeChat Pay API v3 simulator: real paths at the root, real signatures both ways, real refund rules,
 * notifies with retries, trade bills; plus a `/__control` API and an in-process handle for tests.
 */
import type { Logger } from 'pino';
import {
  type SimClock,
  createFaultEngine,
  findFault,
  type FaultEngine,
  type FaultKind,
  type FaultKindName,
  type FaultRule,
  type FaultRuleInput,
  header,
  type RawRequest,
  randomAlphanumeric,
} from '../shared/index.js';
import type { StatementEdit } from './wechatpay.bills.js';
import { gcmEncrypt } from './wechatpay-crypto.js';
import { type WechatPayKeys } from './wechatpay.keys.js';
import {
  createNotifier,
  WECHAT_RETRY_SCHEDULE_MS,
  type Notifier,
  type NotifyDelivery,
  type NotifySigner,
  type DeliveryAttempt,
} from './wechatpay.notifier.js';
import { WechatPayStatements, type BillSettings } from './wechatpay.statements.js';
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
import { rfc3339Shanghai } from './wechatpay-time.js';
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

/** Options with their defaults applied. */
type Settings = WechatPaySimulatorOptions & {
  readonly mchid: string;
  readonly appid: string;
  readonly signingMode: SigningMode;
};

/**
 * The simulated WeChat Pay merchant account: payments, refunds with their lifecycle, notifies, trade
 * bills and faults. Its public methods are the in-process control handle (the HTTP control API mirrors
 * them one-to-one); the protocol handlers (`createRefund` …) answer what `WechatPayProtocol` routes.
 */
export class WechatPaySimulator {
  readonly faults: FaultEngine;
  private readonly notifier: Notifier;
  private readonly rules: RefundRules;
  private readonly statements: WechatPayStatements;
  private lifecycle: RefundLifecycle;
  private readonly payments = new Map<string, SimPayment>();
  private readonly refunds = new Map<string, SimRefund>();
  private readonly requestLog: RequestRecord[] = [];
  private readonly created = new Map<string, number>();
  private readonly cancelTimers = new Map<string, () => void>();
  private mixedCount = 0;

  constructor(
    readonly clock: SimClock,
    private readonly settings: Settings,
    private readonly keys: WechatPayKeys,
    logger: Logger,
  ) {
    const bills: BillSettings = {
      readyHour: 10,
      readyMinute: 0,
      downloadUrlTtlMs: 5 * 60_000,
      feeRateBps: 60,
      tartypeInDownloadUrl: false,
      ...settings.bill,
    };
    this.statements = new WechatPayStatements(clock, bills, {
      appid: settings.appid,
      mchid: settings.mchid,
      payments: () => [...this.payments.values()],
      refunds: () => [...this.refunds.values()],
    });
    this.rules = {
      maxPartialRefunds: settings.maxPartialRefunds ?? 50,
      refundSpacingMs: settings.refundSpacingMs ?? (settings.profile === 'strict' ? 60_000 : 0),
      refundWindowMs: settings.refundWindowMs ?? YEAR_MS,
      bothTradeIds: settings.bothTradeIds ?? 'reject',
    };
    this.lifecycle = settings.refundLifecycle ?? { mode: 'auto', afterMs: 3_000 };
    this.faults = createFaultEngine({ supported: SUPPORTED_FAULTS, now: () => clock.now() });
    this.notifier = createNotifier({
      apiV3Key: keys.apiV3Key,
      faults: this.faults,
      logger,
      now: () => clock.now(),
      timeCompression: settings.notify?.timeCompression ?? 1,
      ackTimeoutMs: settings.notify?.ackTimeoutMs ?? 5_000,
      scheduleMs: settings.notify?.scheduleMs ?? WECHAT_RETRY_SCHEDULE_MS,
      pickSigner: () => this.notifySigner(),
    });
  }

  // ---- payments ----

  createPayment(input: CreatePaymentInput): SimPayment {
    if (this.payments.has(input.outTradeNo)) throw new Error(`payment ${input.outTradeNo} exists`);
    if (!Number.isSafeInteger(input.amountFen) || input.amountFen <= 0)
      throw new Error('amountFen must be a positive integer');
    const p: SimPayment = {
      outTradeNo: input.outTradeNo,
      transactionId: input.transactionId ?? `4200${digits(24)}`,
      appid: this.settings.appid,
      mchid: this.settings.mchid,
      totalFen: input.amountFen,
      currency: 'CNY',
      successTime: input.successTime ? new Date(input.successTime) : this.clock.now(),
      notifyUrl: input.notifyUrl,
      tradeType: 'JSAPI',
      bankType: 'OTHERS',
      openid: `oSim${randomAlphanumeric(24)}`,
      description: input.description ?? '外卖订单',
    };
    this.payments.set(p.outTradeNo, p);
    if (input.sendNotify) this.sendPaymentNotify(p.outTradeNo);
    return p;
  }

  getPayment(outTradeNo: string): SimPayment | undefined {
    return this.payments.get(outTradeNo);
  }

  sendPaymentNotify(outTradeNo: string, notifyUrl?: string): NotifyDelivery {
    const p = this.payments.get(outTradeNo);
    const url = notifyUrl ?? p?.notifyUrl;
    if (!p || !url) throw new Error(`payment ${outTradeNo} unknown or without notify URL`);
    return this.notifier.enqueue({
      eventType: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      originalType: 'transaction',
      url,
      outTradeNo,
      resource: {
        mchid: this.settings.mchid,
        appid: this.settings.appid,
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
  }

  // ---- refunds ----

  getRefund(outRefundNo: string): SimRefund | undefined {
    return this.refunds.get(outRefundNo);
  }

  listRefunds(): readonly SimRefund[] {
    return [...this.refunds.values()];
  }

  forceRefundStatus(outRefundNo: string, status: RefundStatus): SimRefund {
    const r = this.refunds.get(outRefundNo);
    if (!r) throw new Error(`refund ${outRefundNo} unknown`);
    this.transition(r, status, 'control');
    return r;
  }

  setRefundLifecycle(lifecycle: RefundLifecycle): void {
    this.lifecycle = lifecycle;
  }

  /** How many refunds were actually created for this out_refund_no (0 or 1 by construction). */
  refundsCreated(outRefundNo: string): number {
    return this.created.get(outRefundNo) ?? 0;
  }

  /** How many refund-create requests named this out_refund_no (including replays and failures). */
  refundRequests(outRefundNo: string): number {
    return this.requestLog.filter((r) => r.endpoint === 'refund.create' && r.id === outRefundNo).length;
  }

  // ---- faults and the request log ----

  addFault(rule: FaultRuleInput): FaultRule {
    return this.faults.add(rule);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  faultHistory(): ReturnType<FaultEngine['history']> {
    return this.faults.history();
  }

  /** Every protocol request that passed routing, in arrival order. */
  requests(endpoint?: string): readonly RequestRecord[] {
    return endpoint ? this.requestLog.filter((r) => r.endpoint === endpoint) : this.requestLog;
  }

  /** Logs a protocol request (numbered in arrival order); the protocol fills in its outcome. */
  recordRequest(record: Omit<RequestRecord, 'seq'>): RequestRecord {
    const logged: RequestRecord = { seq: this.requestLog.length + 1, ...record };
    this.requestLog.push(logged);
    return logged;
  }

  // ---- notifies ----

  notifyDeliveries(): readonly NotifyDelivery[] {
    return this.notifier.list();
  }

  replayNotify(deliveryId: string): Promise<DeliveryAttempt> {
    return this.notifier.replay(deliveryId);
  }

  holdNotifies(): void {
    this.notifier.hold();
  }

  releaseNotifies(order: 'fifo' | 'reverse' = 'fifo'): Promise<void> {
    return this.notifier.release(order);
  }

  notifiesIdle(timeoutMs?: number): Promise<void> {
    return this.notifier.idle(timeoutMs);
  }

  // ---- statements ----

  editStatement(billDate: string, edit: StatementEdit): void {
    this.statements.edit(billDate, edit);
  }

  setBillReadyTime(billDate: string, at: Date): void {
    this.statements.setReadyTime(billDate, at);
  }

  /** Forget a generated statement so the next apply regenerates it (statuses re-frozen). */
  resetStatement(billDate: string): void {
    this.statements.reset(billDate);
  }

  /** Stops notifies and lifecycle timers. */
  close(): void {
    this.notifier.close();
    for (const cancel of this.cancelTimers.values()) cancel();
  }

  // ---- protocol handlers (routed by WechatPayProtocol) ----

  createRefund(rawBody: Buffer, hits: readonly FaultKind[]): ApiResult {
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      return apiError(400, 'PARAM_ERROR', '请求体不是合法的JSON');
    }
    const v = validateRefundBody(body, this.rules);
    if (isApiResult(v)) return v;
    const fingerprint = canonicalJson(body);
    const existing = this.refunds.get(v.outRefundNo);
    if (existing) {
      return existing.fingerprint === fingerprint
        ? { kind: 'json', status: 200, body: refundView(existing) }
        : apiError(400, 'INVALID_REQUEST', '请求内容和上次请求不一致，商户退款单号已经被其他请求使用');
    }
    const payment =
      v.transactionId !== undefined
        ? [...this.payments.values()].find((p) => p.transactionId === v.transactionId)
        : v.outTradeNo !== undefined
          ? this.payments.get(v.outTradeNo)
          : undefined;
    if (!payment) return apiError(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    const refused = checkRefundAllowed(payment, [...this.refunds.values()], v, this.rules, this.clock);
    if (refused) return refused;
    const now = this.clock.now();
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
    this.refunds.set(r.outRefundNo, r);
    this.created.set(r.outRefundNo, (this.created.get(r.outRefundNo) ?? 0) + 1);
    const forced = findFault(hits, 'forceStatus');
    if (forced) {
      if (forced.status !== 'PROCESSING') this.transition(r, forced.status, 'fault');
    } else this.scheduleLifecycle(r);
    return { kind: 'json', status: 200, body: refundView(r) };
  }

  queryRefund(outRefundNo: string): ApiResult {
    const r = this.refunds.get(outRefundNo);
    return r
      ? { kind: 'json', status: 200, body: refundView(r) }
      : apiError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
  }

  applyAbnormal(refundId: string, rawBody: Buffer, req: RawRequest, hits: readonly FaultKind[]): ApiResult {
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      return apiError(400, 'PARAM_ERROR', '请求体不是合法的JSON');
    }
    if (!isObject(body)) return apiError(400, 'PARAM_ERROR', '参数错误');
    const r = [...this.refunds.values()].find((x) => x.refundId === refundId);
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
    this.transition(r, 'PROCESSING', 'apply-abnormal-refund');
    const forced = findFault(hits, 'forceStatus');
    if (forced && forced.status !== 'PROCESSING') this.transition(r, forced.status, 'fault');
    return { kind: 'json', status: 200, body: refundView(r) };
  }

  /** The bill date a download token was issued for (the fault key of `bill.download`). */
  billDateOfToken(token: string): string | undefined {
    return this.statements.billDateOfToken(token);
  }

  applyBill(query: URLSearchParams, hits: readonly FaultKind[]): ApiResult {
    return this.statements.apply(query, hits);
  }

  downloadBill(query: URLSearchParams, hits: readonly FaultKind[]): ApiResult {
    return this.statements.download(query, hits);
  }

  certificates(): ApiResult {
    return {
      kind: 'json',
      status: 200,
      body: {
        data: this.keys.platformCerts.map((c) => ({
          serial_no: c.serialNo,
          effective_time: rfc3339Shanghai(c.notBefore),
          expire_time: rfc3339Shanghai(c.notAfter),
          encrypt_certificate: encryptCertificate(this.keys.apiV3Key, c.certificatePem),
        })),
      },
    };
  }

  // ---- internals ----

  private notifySigner(): NotifySigner {
    const mode = this.settings.signingMode;
    if (mode === 'public_key') return this.keys.publicKeySigner;
    if (mode === 'certificate') return this.keys.certificateSigner();
    // Deterministic spread (not random) so tests are repeatable: exactly `share` of notifies use the public key.
    const share = this.settings.mixedNotifyPublicKeyShare ?? 0.5;
    this.mixedCount += 1;
    return Math.floor(this.mixedCount * share) > Math.floor((this.mixedCount - 1) * share)
      ? this.keys.publicKeySigner
      : this.keys.certificateSigner();
  }

  private notifyRefund(r: SimRefund): void {
    const url = r.notifyUrl ?? this.settings.defaultRefundNotifyUrl;
    if (!url || r.status === 'PROCESSING') return; // no notify for PROCESSING (A2.2)
    const summary = { SUCCESS: '退款成功', ABNORMAL: '退款异常', CLOSED: '退款关闭' }[r.status];
    this.notifier.enqueue({
      eventType: `REFUND.${r.status}`,
      summary,
      originalType: 'refund',
      url,
      outTradeNo: r.outTradeNo,
      outRefundNo: r.outRefundNo,
      resource: {
        mchid: this.settings.mchid,
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
  }

  private transition(r: SimRefund, to: RefundStatus, by: string): void {
    if (r.status === to) return;
    if (!canTransition(r.status, to))
      throw new Error(`refund ${r.outRefundNo}: ${r.status} → ${to} is not allowed`);
    this.cancelTimers.get(r.outRefundNo)?.();
    r.status = to;
    if (to === 'SUCCESS') r.successTime = this.clock.now();
    r.history.push({ status: to, at: this.clock.now(), by });
    if (to === 'PROCESSING') this.scheduleLifecycle(r, 'SUCCESS');
    else this.notifyRefund(r);
  }

  private scheduleLifecycle(
    r: SimRefund,
    fallbackOutcome: 'SUCCESS' | 'ABNORMAL' | 'CLOSED' = 'SUCCESS',
  ): void {
    const lifecycle = this.lifecycle;
    if (lifecycle.mode === 'manual') return;
    const outcome = r.history.length > 1 ? 'SUCCESS' : (lifecycle.outcome ?? fallbackOutcome);
    if (lifecycle.mode === 'immediate') return this.transition(r, outcome, 'lifecycle');
    const cancel = this.clock.at(new Date(this.clock.now().getTime() + lifecycle.afterMs), () => {
      this.cancelTimers.delete(r.outRefundNo);
      if (r.status === 'PROCESSING') this.transition(r, outcome, 'lifecycle');
    });
    this.cancelTimers.set(r.outRefundNo, cancel);
  }
}

/** Same AEAD as notifies, AAD 'certificate' (A1.3). */
function encryptCertificate(apiV3Key: string, certificatePem: string): Record<string, string> {
  return { ...gcmEncrypt(apiV3Key, certificatePem, 'certificate') };
}
