/**
 * Refund business rules of POST /v3/refund/domestic/refunds and friends (PROTOCOLS A2), kept apart from
 * HTTP so the rules read as a list. Amounts are integer fen throughout.
 */
import { randomInt } from 'node:crypto';
import type { SimClock } from '../shared/index.js';
import { rfc3339Shanghai } from './wechatpay-time.js';
import {
  apiError,
  type ApiResult,
  type RefundStatus,
  type SimPayment,
  type SimRefund,
} from './wechatpay.types.js';

export interface RefundRules {
  readonly maxPartialRefunds: number;
  /** Minimum spacing between two refunds of one order (real WeChat: 60 s). */
  readonly refundSpacingMs: number;
  readonly refundWindowMs: number;
  /** Real docs say transaction_id wins when both are given; the strict reading rejects it. */
  readonly bothTradeIds: 'reject' | 'preferTransactionId';
}

const TOP_LEVEL = new Set([
  'transaction_id',
  'out_trade_no',
  'out_refund_no',
  'reason',
  'notify_url',
  'funds_account',
  'amount',
  'goods_detail',
]);
const AMOUNT_FIELDS = new Set(['refund', 'total', 'currency', 'from']);
const OUT_REFUND_NO = /^[0-9a-zA-Z_\-|*@]{1,64}$/;

type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Stable JSON (sorted keys) so key order never makes two equal requests look different. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

export function digits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(randomInt(10));
  return s;
}

const paramError = (field: string, issue: string, value?: unknown): ApiResult =>
  apiError(400, 'PARAM_ERROR', '参数错误', { field, value, issue, location: 'body' });

/** Validates the request shape; returns the error or the parsed fields. */
export function validateRefundBody(
  body: unknown,
  rules: RefundRules,
):
  | ApiResult
  | {
      outRefundNo: string;
      transactionId?: string;
      outTradeNo?: string;
      refund: number;
      total: number;
      reason?: string;
      notifyUrl?: string;
      fundsAccount?: string;
    } {
  if (!isObject(body)) return paramError('/', '请求体不是合法的JSON对象');
  const unknown = Object.keys(body).find((k) => !TOP_LEVEL.has(k));
  if (unknown) return paramError(`/${unknown}`, '请求中含有未在API文档中定义的参数');
  const amount = body['amount'];
  if (!isObject(amount)) return paramError('/amount', '缺少参数amount');
  const unknownAmount = Object.keys(amount).find((k) => !AMOUNT_FIELDS.has(k));
  if (unknownAmount) return paramError(`/amount/${unknownAmount}`, '请求中含有未在API文档中定义的参数');
  const { out_refund_no: outRefundNo, transaction_id: transactionId, out_trade_no: outTradeNo } = body;
  if (typeof outRefundNo !== 'string' || !OUT_REFUND_NO.test(outRefundNo))
    return paramError('/out_refund_no', 'out_refund_no格式错误', outRefundNo);
  const hasTx = typeof transactionId === 'string' && transactionId.length > 0;
  const hasOut = typeof outTradeNo === 'string' && outTradeNo.length > 0;
  if (!hasTx && !hasOut) return paramError('/out_trade_no', 'transaction_id和out_trade_no必须二选一');
  if (hasTx && hasOut && rules.bothTradeIds === 'reject')
    return paramError('/transaction_id', 'transaction_id和out_trade_no只能二选一');
  const { refund, total, currency } = amount;
  if (!Number.isSafeInteger(refund) || (refund as number) <= 0)
    return paramError('/amount/refund', '退款金额必须为正整数(分)', refund);
  if (!Number.isSafeInteger(total) || (total as number) <= 0)
    return paramError('/amount/total', '订单金额必须为正整数(分)', total);
  if (currency !== 'CNY') return paramError('/amount/currency', 'Currency code is invalid', currency);
  const reason = body['reason'];
  if (reason !== undefined && (typeof reason !== 'string' || [...reason].length > 80))
    return paramError('/reason', 'reason长度不能超过80', reason);
  const notifyUrl = body['notify_url'];
  if (notifyUrl !== undefined && !isValidNotifyUrl(notifyUrl))
    return paramError('/notify_url', 'notify_url格式错误', notifyUrl);
  const fundsAccount = body['funds_account'];
  if (fundsAccount !== undefined && fundsAccount !== 'AVAILABLE' && fundsAccount !== 'UNSETTLED')
    return paramError('/funds_account', 'funds_account取值错误', fundsAccount);
  return {
    outRefundNo,
    ...(hasTx ? { transactionId: transactionId } : {}),
    ...(hasOut ? { outTradeNo: outTradeNo } : {}),
    refund: refund as number,
    total: total as number,
    ...(typeof reason === 'string' ? { reason } : {}),
    ...(typeof notifyUrl === 'string' ? { notifyUrl } : {}),
    ...(typeof fundsAccount === 'string' ? { fundsAccount } : {}),
  };
}

function isValidNotifyUrl(v: unknown): boolean {
  if (typeof v !== 'string' || v.length > 256) return false;
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.search === '';
  } catch {
    return false;
  }
}

export function isApiResult(v: unknown): v is ApiResult {
  return isObject(v) && (v['kind'] === 'json' || v['kind'] === 'file') && typeof v['status'] === 'number';
}

/** Money still refundable: CLOSED refunds give their amount back to the order. */
export function refundableFen(payment: SimPayment, refunds: readonly SimRefund[]): number {
  const used = refunds
    .filter((r) => r.outTradeNo === payment.outTradeNo && r.status !== 'CLOSED')
    .reduce((s, r) => s + r.refundFen, 0);
  return payment.totalFen - used;
}

/** Business checks against the order, in the order WeChat is believed to apply them. */
export function checkRefundAllowed(
  payment: SimPayment,
  refunds: readonly SimRefund[],
  req: { refund: number; total: number },
  rules: RefundRules,
  clock: SimClock,
): ApiResult | undefined {
  const now = clock.now().getTime();
  if (req.total !== payment.totalFen)
    return paramError('/amount/total', '退款请求中的订单金额与原订单金额不一致', req.total);
  if (now - payment.successTime.getTime() > rules.refundWindowMs)
    return apiError(400, 'INVALID_REQUEST', '订单已超过退款期限');
  const ofOrder = refunds.filter((r) => r.outTradeNo === payment.outTradeNo);
  const remaining = refundableFen(payment, refunds);
  if (remaining <= 0) return apiError(400, 'INVALID_REQUEST', '订单已全额退款');
  if (req.refund > remaining) return paramError('/amount/refund', '退款金额超过订单可退金额', req.refund);
  if (ofOrder.length >= rules.maxPartialRefunds)
    return apiError(400, 'INVALID_REQUEST', `订单退款次数超过${rules.maxPartialRefunds}次限制`);
  const last = ofOrder.reduce((m, r) => Math.max(m, r.createTime.getTime()), Number.NEGATIVE_INFINITY);
  if (now - last < rules.refundSpacingMs)
    return apiError(429, 'FREQUENCY_LIMITED', '同一订单多次退款需间隔1分钟');
  return undefined;
}

/** The refund object of A2.1 (same shape for apply, query and apply-abnormal-refund). */
export function refundView(r: SimRefund): Record<string, unknown> {
  return {
    refund_id: r.refundId,
    out_refund_no: r.outRefundNo,
    transaction_id: r.transactionId,
    out_trade_no: r.outTradeNo,
    channel: r.channel,
    user_received_account: r.userReceivedAccount,
    ...(r.status === 'SUCCESS' && r.successTime ? { success_time: rfc3339Shanghai(r.successTime) } : {}),
    create_time: rfc3339Shanghai(r.createTime),
    status: r.status,
    funds_account: r.fundsAccount,
    amount: {
      total: r.totalFen,
      refund: r.refundFen,
      from: [],
      payer_total: r.totalFen,
      payer_refund: r.refundFen,
      settlement_refund: r.refundFen,
      settlement_total: r.totalFen,
      discount_refund: 0,
      currency: 'CNY',
      refund_fee: 0,
    },
    promotion_detail: [],
  };
}

/** Allowed moves (A2.2). Portal actions (force) may also settle ABNORMAL directly. */
const TRANSITIONS: Readonly<Record<RefundStatus, readonly RefundStatus[]>> = {
  PROCESSING: ['SUCCESS', 'ABNORMAL', 'CLOSED'],
  ABNORMAL: ['PROCESSING', 'SUCCESS', 'CLOSED'],
  SUCCESS: [],
  CLOSED: [],
};

export function canTransition(from: RefundStatus, to: RefundStatus): boolean {
  return TRANSITIONS[from].includes(to);
}
