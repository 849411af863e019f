/**
 * The Alipay simulator (issue #4): legacy `/gateway.do`, bill downloads, trade_status_sync notifies,
 * fault injection and a loopback-only control API. Runs in-process (`startAlipaySimulator`) or inside
 * the standalone simulators process.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import {
  createFaultEngine,
  type FaultEngine,
  type FaultKind,
  type FaultKindName,
  type RawRequest,
  type SimClock,
} from '../shared/index.js';
import { renderBillZip } from './alipay-bill.js';
import {
  applyTransportFaults,
  checkRequest,
  parseGatewayRequest,
  responseKey,
  sendGatewayResponse,
  type GatewaySecurity,
} from './alipay-gateway.js';
import {
  billDownloadUrlQuery,
  completeDueRefunds,
  refundQuery,
  settleRefund,
  tradeQuery,
  tradeRefund,
  type BillAvailability,
  paramText,
  subCodeNode,
  type MethodContext,
  type RefundRulesConfig,
  type ResponseNode,
} from './alipay-methods.js';
import { AlipayNotifier, type NotifyDelivery } from './alipay-notify.js';
import { AlipayState, type SimRefund, type SimTrade } from './alipay-state.js';
import {
  applyEdit,
  footerFor,
  rowsFromState,
  type FenInput,
  type StatementEdit,
} from './alipay-statement.js';
import {
  addDays,
  beijingDateTime,
  beijingDateTimeMs,
  beijingDayStart,
  fenToYuan,
  yuanToFen,
} from './alipay-wire.js';

export interface AlipaySimulatorOptions {
  readonly port?: number;
  readonly dataDir?: string;
  readonly appId?: string;
  /** Merchant PID (seller_id); the bill account is PID + `0156`. */
  readonly pid?: string;
  readonly clock?: SimClock;
  readonly logger?: Logger;
  /** Divides the notify retry gaps (4m, 10m, …): 60_000 turns 4 minutes into 4 ms. Default 1. */
  readonly notifyTimeCompression?: number;
  readonly notifyDeliveryTimeoutMs?: number;
  readonly notifyTimeOnResend?: 'attempt' | 'original';
  /** ⚠ product-dependent: whether refunds trigger trade_status_sync notifies. Default true. */
  readonly refundNotifies?: boolean;
  readonly refundWindowDays?: number;
  readonly refundMode?: 'immediate' | 'processing';
  readonly processingMs?: number | null;
  /** Bill of day D is ready at D+1 00:00 Beijing + this. Default 6 h ⚠. */
  readonly billReadyAfterMs?: number;
  /** Lifetime of a bill download URL on the simulated clock. Default 30 s. */
  readonly billUrlTtlMs?: number;
  /** What a day without rows gives: `isp.bill_not_exist` (default) or EMPTY_DATA_WITH_BILL_FILE. */
  readonly emptyDayMode?: 'not_exist' | 'empty_file';
  /** HTTP status of an expired/unknown download URL ⚠. Default 404 with an HTML body. */
  readonly expiredDownloadStatus?: number;
  readonly feeRateBasisPoints?: number;
  readonly timestampToleranceMs?: number | null;
  readonly timestampZone?: 'local' | 'beijing';
  readonly escapeSlashes?: boolean;
}

export interface CreatePaymentInput {
  readonly outTradeNo: string;
  /** Either fen or a yuan string. */
  readonly amountFen?: FenInput;
  readonly amount?: string;
  readonly notifyUrl?: string;
  readonly subject?: string;
  readonly body?: string;
  readonly createdAt?: Date | string;
  readonly paidAt?: Date | string;
  readonly storeId?: string;
  /** Send the TRADE_SUCCESS notify to notifyUrl. Default false. */
  readonly sendNotify?: boolean;
}

export interface TradeView {
  readonly tradeNo: string;
  readonly outTradeNo: string;
  readonly totalFen: bigint;
  readonly refundedFen: bigint;
  readonly status: SimTrade['status'];
  readonly frozen: boolean;
  readonly paidAt: Date;
}

export interface RefundView {
  readonly outTradeNo: string;
  readonly outRequestNo: string;
  readonly amountFen: bigint;
  readonly status: SimRefund['status'];
  readonly fundMovements: number;
  readonly calls: number;
  readonly requestedAt: Date;
  readonly completedAt: Date | undefined;
}

export const ALIPAY_FAULT_SUPPORT: Readonly<Record<string, readonly FaultKindName[]>> = (() => {
  const transport: FaultKindName[] = [
    'latency',
    'timeoutAfterApply',
    'timeoutBeforeApply',
    'connectionReset',
    'httpError',
    'badResponseSignature',
    'systemErrorThenSuccess',
    'custom',
  ];
  return {
    'alipay.trade.refund': [
      ...transport,
      'rateLimited',
      'insufficientBalance',
      'userAccountAbnormal',
      'forceStatus',
    ],
    'alipay.trade.fastpay.refund.query': transport,
    'alipay.trade.query': transport,
    'alipay.data.dataservice.bill.downloadurl.query': transport,
    'bill.download': ['latency', 'httpError', 'connectionReset', 'custom'],
    'notify.deliver': ['duplicate', 'delay', 'drop', 'forgeSignature', 'custom'],
  };
})();

interface BillToken {
  readonly day: string;
  readonly expiresAt: Date;
}

export class AlipaySimulator {
  readonly state = new AlipayState();
  readonly faults: FaultEngine;
  readonly notifier: AlipayNotifier;
  readonly config: RefundRulesConfig;
  private readonly edits = new Map<string, StatementEdit>();
  private readonly readyAtOverrides = new Map<string, Date>();
  private readonly tokens = new Map<string, BillToken>();
  baseUrl = '';

  constructor(
    readonly clock: SimClock,
    readonly options: AlipaySimulatorOptions & { readonly appId: string; readonly pid: string },
    readonly security: GatewaySecurity,
    readonly log: Logger,
  ) {
    this.faults = createFaultEngine({ supported: ALIPAY_FAULT_SUPPORT, now: () => clock.now() });
    this.config = {
      refundWindowDays: options.refundWindowDays ?? 365,
      refundMode: options.refundMode ?? 'immediate',
      processingMs: options.processingMs === undefined ? 60_000 : options.processingMs,
      buyerLogonIdMask: '159****5620',
    };
    this.notifier = new AlipayNotifier({
      clock,
      faults: this.faults,
      privateKeyPem: security.alipayPrivateKeyPem,
      forgeryKeyPem: security.forgeryKeyPem,
      timeCompression: options.notifyTimeCompression ?? 1,
      deliveryTimeoutMs: options.notifyDeliveryTimeoutMs ?? 5_000,
      notifyTimeOnResend: options.notifyTimeOnResend ?? 'attempt',
      log,
    });
  }

  // ---- payments and refunds -------------------------------------------------------------------

  createPayment(input: CreatePaymentInput): TradeView {
    const totalFen = input.amountFen !== undefined ? BigInt(input.amountFen) : yuanToFen(input.amount ?? '');
    if (totalFen === null || totalFen <= 0n)
      throw new Error('createPayment: amountFen or amount (yuan) > 0 required');
    if (this.state.trades.has(input.outTradeNo)) throw new Error(`createPayment: ${input.outTradeNo} exists`);
    const paidAt = input.paidAt ? new Date(input.paidAt) : this.clock.now();
    const trade: SimTrade = {
      tradeNo: this.state.nextTradeNo(paidAt),
      outTradeNo: input.outTradeNo,
      totalFen,
      refundedFen: 0n,
      status: 'TRADE_SUCCESS',
      frozen: false,
      subject: input.subject ?? '外卖订单',
      body: input.body,
      notifyUrl: input.notifyUrl,
      createdAt: input.createdAt ? new Date(input.createdAt) : new Date(paidAt.getTime() - 2_000),
      paidAt,
      closedAt: undefined,
      buyerId: '2088102177955611',
      buyerLogonId: this.config.buyerLogonIdMask,
      storeId: input.storeId ?? 'store_001',
      operatorId: 'api',
    };
    this.state.trades.set(trade.outTradeNo, trade);
    if (input.sendNotify) this.sendPaymentNotify(trade.outTradeNo);
    return this.tradeView(trade);
  }

  getTrade(outTradeNo: string): TradeView | undefined {
    completeDueRefunds(this.methodContext([]));
    const t = this.state.trades.get(outTradeNo);
    return t && this.tradeView(t);
  }

  /** Force a trade state: TRADE_FINISHED (refund window over), TRADE_CLOSED, or frozen. */
  setTradeState(outTradeNo: string, patch: { status?: SimTrade['status']; frozen?: boolean }): TradeView {
    const t = this.mustTrade(outTradeNo);
    if (patch.status) t.status = patch.status;
    if (patch.frozen !== undefined) t.frozen = patch.frozen;
    return this.tradeView(t);
  }

  /** Complete a PROCESSING refund now (funds move, notify goes out). */
  completeRefund(outTradeNo: string, outRequestNo: string): RefundView {
    const t = this.mustTrade(outTradeNo);
    const r = this.state.findRefund(t, outRequestNo);
    if (!r) throw new Error(`no refund ${outRequestNo} on ${outTradeNo}`);
    settleRefund(this.methodContext([]), t, r);
    return this.refundView(r);
  }

  refunds(): RefundView[] {
    completeDueRefunds(this.methodContext([]));
    return [...this.state.refunds.values()].map((r) => this.refundView(r));
  }

  /** How many times funds moved for this refund number (0 or 1; tests assert exactly-once). */
  fundMovements(outRequestNo: string): number {
    return [...this.state.refunds.values()]
      .filter((r) => r.outRequestNo === outRequestNo)
      .reduce((n, r) => n + r.fundMovements, 0);
  }

  requests(method?: string): AlipayState['requests'] {
    return method ? this.state.requests.filter((r) => r.method === method) : this.state.requests;
  }

  // ---- notifies -------------------------------------------------------------------------------

  sendPaymentNotify(outTradeNo: string): NotifyDelivery {
    const t = this.mustTrade(outTradeNo);
    if (!t.notifyUrl) throw new Error(`${outTradeNo} has no notify_url`);
    return this.notifier.enqueue({
      kind: 'payment',
      url: t.notifyUrl,
      outTradeNo,
      outBizNo: undefined,
      params: { ...this.tradeNotifyParams(t), trade_status: 'TRADE_SUCCESS' },
    });
  }

  notifies(): readonly NotifyDelivery[] {
    return this.notifier.list();
  }

  replayNotify(notifyId: string): ReturnType<AlipayNotifier['replay']> {
    return this.notifier.replay(notifyId);
  }

  /** Resolves once `predicate` holds for the delivery list (polling; tests only). */
  async waitForNotifies(
    predicate: (d: readonly NotifyDelivery[]) => boolean,
    timeoutMs = 5_000,
  ): Promise<readonly NotifyDelivery[]> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (predicate(this.notifies())) return this.notifies();
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(
      `waitForNotifies timed out; deliveries: ${JSON.stringify(this.notifies().map((n) => ({ id: n.notifyId, a: n.attempts.length, ack: n.acknowledged })))}`,
    );
  }

  private tradeNotifyParams(t: SimTrade): Record<string, string> {
    const amount = fenToYuan(t.totalFen);
    const params: Record<string, string | undefined> = {
      notify_type: 'trade_status_sync',
      app_id: this.options.appId,
      auth_app_id: this.options.appId,
      charset: 'utf-8',
      version: '1.0',
      trade_no: t.tradeNo,
      out_trade_no: t.outTradeNo,
      buyer_id: t.buyerId,
      buyer_logon_id: t.buyerLogonId,
      seller_id: this.options.pid,
      total_amount: amount,
      receipt_amount: amount,
      invoice_amount: amount,
      buyer_pay_amount: amount,
      point_amount: '0.00',
      subject: t.subject,
      body: t.body,
      gmt_create: beijingDateTime(t.createdAt),
      gmt_payment: beijingDateTime(t.paidAt),
      fund_bill_list: JSON.stringify([{ amount, fundChannel: 'ALIPAYACCOUNT' }]),
    };
    // Never send empty-valued params: the Node SDK would sign them as `k=` and disagree.
    return Object.fromEntries(
      Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
    );
  }

  private onRefundCompleted(t: SimTrade, r: SimRefund): void {
    if (!t.notifyUrl || this.options.refundNotifies === false || !r.completedAt) return;
    const closed = t.status === 'TRADE_CLOSED';
    this.notifier.enqueue({
      kind: 'refund',
      url: t.notifyUrl,
      outTradeNo: t.outTradeNo,
      outBizNo: r.outRequestNo,
      params: {
        ...this.tradeNotifyParams(t),
        trade_status: closed ? 'TRADE_CLOSED' : 'TRADE_SUCCESS',
        out_biz_no: r.outRequestNo,
        refund_fee: fenToYuan(t.refundedFen),
        send_back_fee: fenToYuan(r.amountFen),
        gmt_refund: beijingDateTimeMs(r.completedAt),
        ...(closed && t.closedAt ? { gmt_close: beijingDateTime(t.closedAt) } : {}),
      },
    });
  }

  // ---- bills ----------------------------------------------------------------------------------

  editStatement(day: string, edit: StatementEdit): void {
    this.edits.set(day, { ...this.edits.get(day), ...edit });
  }

  clearStatementEdits(day?: string): void {
    if (day) this.edits.delete(day);
    else this.edits.clear();
  }

  setBillReadyAt(day: string, at: Date): void {
    this.readyAtOverrides.set(day, at);
  }

  billReadyAt(day: string): Date {
    const override = this.readyAtOverrides.get(day);
    if (override) return override;
    return new Date(
      beijingDayStart(addDays(day, 1)).getTime() + (this.options.billReadyAfterMs ?? 6 * 3600_000),
    );
  }

  /** The bill zip of `day` as it would be downloaded now (edits applied). */
  buildBill(day: string): { fileName: string; zip: Buffer } {
    const defaults = {
      feeRateBasisPoints: this.options.feeRateBasisPoints ?? 0,
      storeName: '外卖平台旗舰店',
    };
    const edit = this.edits.get(day);
    const rows = applyEdit(rowsFromState(this.state, day, defaults), edit, day, defaults);
    return renderBillZip({
      account: `${this.options.pid}0156`,
      day,
      rows,
      footer: footerFor(rows, edit),
      exportedAt: this.billReadyAt(day),
    });
  }

  private billAvailability(): BillAvailability {
    return {
      readyAt: (day) => this.billReadyAt(day),
      hasRows: (day) => {
        const d = { feeRateBasisPoints: 0, storeName: '' };
        return applyEdit(rowsFromState(this.state, day, d), this.edits.get(day), day, d).length > 0;
      },
      emptyDayMode: (day) => this.edits.get(day)?.emptyDayMode ?? this.options.emptyDayMode ?? 'not_exist',
      issueUrl: (day) => this.issueBillUrl(day),
    };
  }

  private issueBillUrl(day: string): string {
    const token = randomBytes(16).toString('hex');
    this.tokens.set(token, {
      day,
      expiresAt: new Date(this.clock.now().getTime() + (this.options.billUrlTtlMs ?? 30_000)),
    });
    const account = `${this.options.pid}0156`;
    const ymd = day.replaceAll('-', '');
    const q = new URLSearchParams({
      bizType: 'trade',
      userId: account,
      fileType: 'csv.zip',
      bizDates: ymd,
      downloadFileName: `${account}_${ymd}.csv.zip`,
      fileId: `/trade/${account}/${ymd}.csv.zip`,
      timestamp: String(Math.floor(this.clock.now().getTime() / 1000)),
      token,
    });
    return `${this.baseUrl}/downloadBillFile.resource?${q.toString()}`;
  }

  async handleBillDownload(req: RawRequest, res: ServerResponse, incoming: IncomingMessage): Promise<void> {
    const token = this.tokens.get(req.query.get('token') ?? '');
    const faults = this.faults.take('bill.download', token?.day);
    if (await applyTransportFaults(faults, 'before', res, incoming)) return;
    const expiredFault = faults.some((f) => f.kind === 'custom' && f.name === 'expired');
    if (!token || expiredFault || this.clock.now() > token.expiresAt) {
      const status = this.options.expiredDownloadStatus ?? 404;
      res
        .writeHead(status, { 'content-type': 'text/html;charset=utf-8' })
        .end('<html><body>链接已失效，请重新获取</body></html>');
      return;
    }
    const corruptFault = faults.find((f) => f.kind === 'custom' && f.name === 'corrupt');
    const mode =
      corruptFault?.kind === 'custom'
        ? paramText(corruptFault.params, 'mode', 'truncate')
        : this.edits.get(token.day)?.corrupt;
    const { fileName, zip } = this.buildBill(token.day);
    if (mode === 'garbage') {
      res
        .writeHead(200, { 'content-type': 'text/html;charset=utf-8' })
        .end('<html><body>系统繁忙</body></html>');
      return;
    }
    const bytes = mode === 'truncate' ? zip.subarray(0, Math.floor(zip.length / 2)) : zip;
    res
      .writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-disposition': `attachment; filename="${fileName}"`,
      })
      .end(bytes);
  }

  // ---- gateway --------------------------------------------------------------------------------

  async handleGateway(req: RawRequest, res: ServerResponse, incoming: IncomingMessage): Promise<void> {
    const call = parseGatewayRequest(req);
    const refusal = checkRequest(call, this.security);
    this.state.requests.push({
      at: this.clock.now(),
      method: call.method,
      params: call.params,
      biz: call.biz,
      signatureValid: refusal === null,
    });
    const key = responseKey(call.method || 'error');
    if (refusal) return sendGatewayResponse(res, key, refusal, this.security, false);
    if (
      !ALIPAY_FAULT_SUPPORT[call.method] ||
      call.method === 'bill.download' ||
      call.method === 'notify.deliver'
    ) {
      const node = {
        code: '40002',
        msg: 'Invalid Arguments',
        sub_code: 'isv.invalid-method',
        sub_msg: '不存在的方法名',
      };
      return sendGatewayResponse(res, 'error_response', node, this.security, false);
    }
    const faults = this.takeFaults(call.method, call.biz);
    if (await applyTransportFaults(faults, 'before', res, incoming)) return;
    const node = this.runMethod(call.method, call.biz, faults);
    if (await applyTransportFaults(faults, 'after', res, incoming)) return;
    sendGatewayResponse(
      res,
      key,
      node,
      this.security,
      faults.some((f) => f.kind === 'badResponseSignature'),
    );
  }

  /** Counts the call for fault matching (by out_request_no, else out_trade_no, else bill_date). */
  takeFaults(method: string, biz: Readonly<Record<string, unknown>>): FaultKind[] {
    return this.faults.take(method, faultId({ biz }));
  }

  runMethod(method: string, biz: Record<string, unknown>, faults: MethodContext['faults']): ResponseNode {
    const call = { method, biz };
    const ctx = this.methodContext(faults);
    switch (call.method) {
      case 'alipay.trade.refund':
        return tradeRefund(ctx, call.biz);
      case 'alipay.trade.fastpay.refund.query':
        return genericFault(faults) ?? refundQuery(ctx, call.biz);
      case 'alipay.trade.query':
        return genericFault(faults) ?? tradeQuery(ctx, call.biz);
      default:
        return genericFault(faults) ?? billDownloadUrlQuery(ctx, this.billAvailability(), call.biz);
    }
  }

  private methodContext(faults: MethodContext['faults']): MethodContext {
    return {
      state: this.state,
      clock: this.clock,
      config: this.config,
      faults,
      onRefundCompleted: (t, r) => this.onRefundCompleted(t, r),
    };
  }

  private mustTrade(outTradeNo: string): SimTrade {
    const t = this.state.trades.get(outTradeNo);
    if (!t) throw new Error(`no trade ${outTradeNo}`);
    return t;
  }

  private tradeView(t: SimTrade): TradeView {
    return {
      tradeNo: t.tradeNo,
      outTradeNo: t.outTradeNo,
      totalFen: t.totalFen,
      refundedFen: t.refundedFen,
      status: t.status,
      frozen: t.frozen,
      paidAt: t.paidAt,
    };
  }

  private refundView(r: SimRefund): RefundView {
    return {
      outTradeNo: r.outTradeNo,
      outRequestNo: r.outRequestNo,
      amountFen: r.amountFen,
      status: r.status,
      fundMovements: r.fundMovements,
      calls: r.calls,
      requestedAt: r.requestedAt,
      completedAt: r.completedAt,
    };
  }
}

/** Faults on query methods that answer with an error code instead of a transport failure. */
function genericFault(faults: MethodContext['faults']): ResponseNode | null {
  for (const f of faults) {
    if (f.kind === 'systemErrorThenSuccess')
      return {
        code: '20000',
        msg: 'Service Currently Unavailable',
        sub_code: 'isp.unknow-error',
        sub_msg: '系统繁忙',
      };
    if (f.kind === 'custom' && f.name === 'subCode') return subCodeNode(f.params);
  }
  return null;
}

/** Faults are matched per id: out_request_no (refunds, queries), else out_trade_no, else bill_date. */
function faultId(call: { biz: Readonly<Record<string, unknown>> }): string | undefined {
  for (const k of ['out_request_no', 'out_trade_no', 'bill_date']) {
    const v = call.biz[k];
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}
