/**
 * Business behaviour of the gateway methods (PROTOCOLS B2, B3.1). Each handler takes the parsed
 * biz_content and returns the `*_response` node; transport faults are the gateway's business.
 */
import type { FaultKind, SimClock } from '../shared/index.js';
import type { AlipayState, SimRefund, SimTrade } from './alipay-state.js';
import {
  addDays,
  beijingDate,
  beijingDateTime,
  beijingDayStart,
  fenToYuan,
  yuanToFen,
} from './alipay-wire.js';

export type ResponseNode = Record<string, unknown>;

export interface RefundRulesConfig {
  /** Refund window after payment ⚠ (contract-dependent: usually 3 or 12 months). */
  readonly refundWindowDays: number;
  /** `processing`: refunds answer fund_change=N and complete after `processingMs`. */
  readonly refundMode: 'immediate' | 'processing';
  /** null: a PROCESSING refund only completes through the control API. */
  readonly processingMs: number | null;
  readonly buyerLogonIdMask: string;
}

export interface MethodContext {
  readonly state: AlipayState;
  readonly clock: SimClock;
  readonly config: RefundRulesConfig;
  readonly faults: readonly FaultKind[];
  /** Called whenever funds moved for a refund (sends the trade_status_sync notify). */
  readonly onRefundCompleted: (trade: SimTrade, refund: SimRefund) => void;
}

export function ok(fields: ResponseNode): ResponseNode {
  return { code: '10000', msg: 'Success', ...fields };
}

export function businessFailed(subCode: string, subMsg: string): ResponseNode {
  return { code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: subMsg };
}

export function unknownError(): ResponseNode {
  return {
    code: '20000',
    msg: 'Service Currently Unavailable',
    sub_code: 'isp.unknow-error',
    sub_msg: '系统繁忙',
  };
}

function str(biz: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = biz[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A string fault parameter, or the fallback when absent or not a string. */
export function paramText(
  params: Readonly<Record<string, unknown>> | undefined,
  key: string,
  fallback: string,
): string {
  const v = params?.[key];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : fallback;
}

/** The `custom: subCode` fault: answer with any code/sub_code a test names. */
export function subCodeNode(params: Readonly<Record<string, unknown>> | undefined): ResponseNode {
  return {
    code: paramText(params, 'code', '40004'),
    msg: 'Business Failed',
    sub_code: paramText(params, 'subCode', 'ACQ.SYSTEM_ERROR'),
    sub_msg: paramText(params, 'subMsg', '模拟错误'),
  };
}

function customFault(
  faults: readonly FaultKind[],
  name: string,
): Readonly<Record<string, unknown>> | undefined {
  const f = faults.find((x) => x.kind === 'custom' && x.name === name);
  return f && f.kind === 'custom' ? (f.params ?? {}) : undefined;
}

/** Moves funds for a refund exactly once and closes the trade when fully refunded. */
export function settleRefund(ctx: MethodContext, trade: SimTrade, refund: SimRefund): void {
  if (refund.status === 'SUCCESS') return;
  const now = ctx.clock.now();
  refund.status = 'SUCCESS';
  refund.completedAt = now;
  refund.fundMovements += 1;
  trade.refundedFen += refund.amountFen;
  if (trade.refundedFen === trade.totalFen) {
    trade.status = 'TRADE_CLOSED';
    trade.closedAt = now;
  }
  ctx.onRefundCompleted(trade, refund);
}

/** Completes PROCESSING refunds whose time has come (called lazily before every read). */
export function completeDueRefunds(ctx: MethodContext): void {
  const now = ctx.clock.now().getTime();
  for (const refund of ctx.state.refunds.values()) {
    if (refund.status !== 'PROCESSING' || !refund.completeAt || refund.completeAt.getTime() > now) continue;
    const trade = ctx.state.findTrade(refund.tradeNo, undefined);
    if (trade) settleRefund(ctx, trade, refund);
  }
}

function tradeIdentity(trade: SimTrade): ResponseNode {
  return { trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo, buyer_logon_id: trade.buyerLogonId };
}

function refundRefusal(
  ctx: MethodContext,
  trade: SimTrade,
  fullMode: boolean,
  amountFen: bigint,
): ResponseNode | null {
  if (trade.status === 'WAIT_BUYER_PAY' || trade.status === 'TRADE_CLOSED') {
    return businessFailed('ACQ.TRADE_STATUS_ERROR', '交易状态非法');
  }
  if (trade.frozen) return businessFailed('ACQ.REASON_TRADE_BEEN_FREEZEN', '请求退款的交易被冻结');
  const windowEnd = trade.paidAt.getTime() + ctx.config.refundWindowDays * 86_400_000;
  if (trade.status === 'TRADE_FINISHED' || ctx.clock.now().getTime() > windowEnd) {
    return businessFailed('ACQ.TRADE_HAS_FINISHED', '交易已完结');
  }
  const remaining = trade.totalFen - trade.refundedFen - pendingFen(ctx, trade);
  if (fullMode && amountFen !== remaining) {
    return businessFailed('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '撤销或退款金额与订单金额不一致');
  }
  if (amountFen > remaining) return businessFailed('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
  return null;
}

function pendingFen(ctx: MethodContext, trade: SimTrade): bigint {
  return ctx.state
    .refundsOf(trade)
    .filter((r) => r.status === 'PROCESSING')
    .reduce((sum, r) => sum + r.amountFen, 0n);
}

function refundSuccessNode(trade: SimTrade, refund: SimRefund, fundChange: boolean): ResponseNode {
  return ok({
    ...tradeIdentity(trade),
    buyer_user_id: trade.buyerId,
    fund_change: fundChange ? 'Y' : 'N',
    ...(refund.completedAt ? { gmt_refund_pay: beijingDateTime(refund.completedAt) } : {}),
    refund_fee: fenToYuan(trade.refundedFen),
    send_back_fee: fundChange ? fenToYuan(refund.amountFen) : '0.00',
  });
}

export function tradeRefund(ctx: MethodContext, biz: Readonly<Record<string, unknown>>): ResponseNode {
  completeDueRefunds(ctx);
  const amountText = str(biz, 'refund_amount');
  const amountFen = amountText === undefined ? null : yuanToFen(amountText);
  if (amountFen === null || amountFen <= 0n)
    return businessFailed('ACQ.INVALID_PARAMETER', '参数无效: refund_amount');
  const trade = ctx.state.findTrade(str(biz, 'trade_no'), str(biz, 'out_trade_no'));
  if (!trade) return businessFailed('ACQ.TRADE_NOT_EXIST', '交易不存在');
  const fullMode = str(biz, 'out_request_no') === undefined;
  const outRequestNo = str(biz, 'out_request_no') ?? trade.outTradeNo;
  const existing = ctx.state.findRefund(trade, outRequestNo);
  if (existing) return replayRefund(trade, existing, amountFen);
  const forced = forcedRefundFailure(ctx.faults);
  if (forced) return forced;
  const refusal = refundRefusal(ctx, trade, fullMode, amountFen);
  if (refusal) return refusal;
  const refund = createRefund(ctx, trade, outRequestNo, amountFen, str(biz, 'refund_reason') ?? '');
  const systemError = customFault(ctx.faults, 'systemErrorAfterApply');
  if (systemError) return systemErrorNode(systemError);
  return refundSuccessNode(trade, refund, refund.status === 'SUCCESS');
}

function replayRefund(trade: SimTrade, existing: SimRefund, amountFen: bigint): ResponseNode {
  existing.calls += 1;
  if (existing.amountFen !== amountFen)
    return businessFailed('ACQ.DISCORDANT_REPEAT_REQUEST', '不一致的请求');
  return refundSuccessNode(trade, existing, false);
}

function systemErrorNode(params: Readonly<Record<string, unknown>>): ResponseNode {
  return params['code'] === 'ACQ.SYSTEM_ERROR'
    ? businessFailed('ACQ.SYSTEM_ERROR', '系统错误')
    : unknownError();
}

/** Faults that refuse the refund without touching state. */
function forcedRefundFailure(faults: readonly FaultKind[]): ResponseNode | null {
  for (const f of faults) {
    if (f.kind === 'systemErrorThenSuccess') return unknownError();
    if (f.kind === 'insufficientBalance')
      return businessFailed('ACQ.SELLER_BALANCE_NOT_ENOUGH', '卖家余额不足');
    if (f.kind === 'rateLimited')
      return { code: '40004', msg: 'Business Failed', sub_code: 'aop.ACL-limit', sub_msg: '调用频率超限' };
    if (f.kind === 'userAccountAbnormal') return businessFailed('ACQ.BUYER_ERROR', '买家状态非法');
    if (f.kind === 'custom' && f.name === 'systemError') return systemErrorNode(f.params ?? {});
    if (f.kind === 'custom' && f.name === 'subCode') return subCodeNode(f.params);
  }
  return null;
}

function processingUntil(ctx: MethodContext): { processing: boolean; completeAt: Date | undefined } {
  const forced = ctx.faults.find((f) => f.kind === 'forceStatus');
  const stuck = customFault(ctx.faults, 'stuckProcessing');
  const now = ctx.clock.now().getTime();
  if (stuck) {
    const ms = typeof stuck['ms'] === 'number' ? stuck['ms'] : null;
    return { processing: true, completeAt: ms === null ? undefined : new Date(now + ms) };
  }
  if (forced && forced.kind === 'forceStatus' && forced.status === 'PROCESSING')
    return { processing: true, completeAt: undefined };
  if (ctx.config.refundMode === 'processing') {
    const ms = ctx.config.processingMs;
    return { processing: true, completeAt: ms === null ? undefined : new Date(now + ms) };
  }
  return { processing: false, completeAt: undefined };
}

function createRefund(
  ctx: MethodContext,
  trade: SimTrade,
  outRequestNo: string,
  amountFen: bigint,
  reason: string,
): SimRefund {
  const { processing, completeAt } = processingUntil(ctx);
  const refund: SimRefund = {
    outRequestNo,
    tradeNo: trade.tradeNo,
    outTradeNo: trade.outTradeNo,
    amountFen,
    reason,
    status: 'PROCESSING',
    requestedAt: ctx.clock.now(),
    completedAt: undefined,
    completeAt,
    fundMovements: 0,
    calls: 1,
  };
  ctx.state.refunds.set(ctx.state.refundKey(trade.tradeNo, outRequestNo), refund);
  if (!processing) settleRefund(ctx, trade, refund);
  return refund;
}

export function refundQuery(ctx: MethodContext, biz: Readonly<Record<string, unknown>>): ResponseNode {
  completeDueRefunds(ctx);
  const trade = ctx.state.findTrade(str(biz, 'trade_no'), str(biz, 'out_trade_no'));
  if (!trade) return businessFailed('ACQ.TRADE_NOT_EXIST', '交易不存在');
  const outRequestNo = str(biz, 'out_request_no');
  if (!outRequestNo) return businessFailed('ACQ.INVALID_PARAMETER', '参数无效: out_request_no');
  const base = { trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo, out_request_no: outRequestNo };
  const refund = ctx.state.findRefund(trade, outRequestNo);
  // "10000 only means the query worked": no refund data = not (yet) refunded.
  if (!refund || refund.status !== 'SUCCESS' || !refund.completedAt) return ok(base);
  const options = Array.isArray(biz['query_options']) ? (biz['query_options'] as unknown[]) : [];
  return ok({
    ...base,
    total_amount: fenToYuan(trade.totalFen),
    refund_amount: fenToYuan(refund.amountFen),
    ...(refund.reason ? { refund_reason: refund.reason } : {}),
    refund_status: 'REFUND_SUCCESS',
    ...(options.includes('gmt_refund_pay') ? { gmt_refund_pay: beijingDateTime(refund.completedAt) } : {}),
    send_back_fee: fenToYuan(refund.amountFen),
  });
}

export function tradeQuery(ctx: MethodContext, biz: Readonly<Record<string, unknown>>): ResponseNode {
  completeDueRefunds(ctx);
  const trade = ctx.state.findTrade(str(biz, 'trade_no'), str(biz, 'out_trade_no'));
  if (!trade) return businessFailed('ACQ.TRADE_NOT_EXIST', '交易不存在');
  return ok({
    ...tradeIdentity(trade),
    trade_status: trade.status,
    total_amount: fenToYuan(trade.totalFen),
    buyer_pay_amount: fenToYuan(trade.totalFen),
    receipt_amount: fenToYuan(trade.totalFen - trade.refundedFen),
    buyer_user_id: trade.buyerId,
    send_pay_date: beijingDateTime(trade.paidAt),
  });
}

export interface BillAvailability {
  /** Instant at which the bill of `day` becomes downloadable. */
  readyAt(day: string): Date;
  hasRows(day: string): boolean;
  emptyDayMode(day: string): 'not_exist' | 'empty_file';
  issueUrl(day: string): string;
}

export function billDownloadUrlQuery(
  ctx: MethodContext,
  bills: BillAvailability,
  biz: Readonly<Record<string, unknown>>,
): ResponseNode {
  completeDueRefunds(ctx);
  const billType = str(biz, 'bill_type');
  const day = str(biz, 'bill_date');
  if (billType !== 'trade')
    return {
      code: '40002',
      msg: 'Invalid Arguments',
      sub_code: 'isv.invalid-arguments',
      sub_msg: 'bill_type 仅支持 trade',
    };
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(beijingDayStart(day).getTime())) {
    return {
      code: '40002',
      msg: 'Invalid Arguments',
      sub_code: 'isv.invalid-arguments',
      sub_msg: 'bill_date 格式错误',
    };
  }
  const notExist = businessFailed('isp.bill_not_exist', '账单不存在');
  if (day >= beijingDate(ctx.clock.now()) || ctx.clock.now() < bills.readyAt(day)) return notExist;
  if (!bills.hasRows(day)) {
    if (bills.emptyDayMode(day) === 'not_exist') return notExist;
    return ok({ bill_download_url: bills.issueUrl(day), bill_file_code: 'EMPTY_DATA_WITH_BILL_FILE' });
  }
  return ok({ bill_download_url: bills.issueUrl(day) });
}

export { addDays };
