/**
 * Trade bills (PROTOCOLS A4.4): rows generated once per Asia/Shanghai date (statuses frozen then),
 * editable through the control API, rendered in the real layout: UTF-8 BOM, CRLF, plain header line,
 * backtick-prefixed fields, 27/20/29 columns for ALL/SUCCESS/REFUND and a 7-column summary computed
 * from the rows. Amounts are yuan with 2 decimals, fees with 5.
 */
import { billTimeShanghai, shanghaiDate } from './wechatpay-time.js';
import type { SimPayment, SimRefund } from './wechatpay.types.js';

export type BillType = 'ALL' | 'SUCCESS' | 'REFUND';

export interface BillRow {
  kind: 'PAYMENT' | 'REFUND';
  /** 交易时间: payment success time, or refund application time. */
  tradeTime: Date;
  /** REFUND bill 交易时间 is the original payment time. */
  paymentTime: Date;
  refundApplyTime: Date | undefined;
  refundSuccessTime: Date | undefined;
  appid: string;
  mchid: string;
  transactionId: string;
  outTradeNo: string;
  openid: string;
  tradeType: string;
  bankType: string;
  settlementFen: number;
  refundId: string;
  outRefundNo: string;
  refundFen: number;
  refundType: string;
  refundStatus: string;
  goodsName: string;
  /** Fee in 1e-5 yuan (5 decimals); negative on refund rows (fee returned). */
  feeE5: number;
  rate: string;
  orderFen: number;
  requestedRefundFen: number;
}

export const HEADERS: Readonly<Record<BillType, readonly string[]>> = {
  ALL: '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注'.split(
    ',',
  ),
  SUCCESS:
    '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注'.split(
      ',',
    ),
  REFUND:
    '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注'.split(
      ',',
    ),
};

export const SUMMARY_HEADER = [
  '总交易单数',
  '应结订单总金额',
  '退款总金额',
  '充值券退款总金额',
  '手续费总金额',
  '订单总金额',
  '申请退款总金额',
] as const;
export type SummaryColumn = (typeof SUMMARY_HEADER)[number];

export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const a = Math.abs(fen);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

export function fee5(e5: number): string {
  const sign = e5 < 0 ? '-' : '';
  const a = Math.abs(e5);
  return `${sign}${Math.floor(a / 100_000)}.${String(a % 100_000).padStart(5, '0')}`;
}

/** Fee rounded to whole fen like WeChat does, expressed in 1e-5 yuan. */
function feeE5Of(fen: number, feeRateBps: number): number {
  return Math.round((fen * feeRateBps) / 10_000) * 1000;
}

export function generateRows(
  date: string,
  payments: readonly SimPayment[],
  refunds: readonly SimRefund[],
  feeRateBps: number,
): BillRow[] {
  const rate = `${(feeRateBps / 100).toFixed(2)}%`;
  const byTrade = new Map(payments.map((p) => [p.outTradeNo, p]));
  const rows: BillRow[] = [];
  for (const p of payments) {
    if (shanghaiDate(p.successTime) !== date) continue;
    rows.push({
      kind: 'PAYMENT',
      tradeTime: p.successTime,
      paymentTime: p.successTime,
      refundApplyTime: undefined,
      refundSuccessTime: undefined,
      appid: p.appid,
      mchid: p.mchid,
      transactionId: p.transactionId,
      outTradeNo: p.outTradeNo,
      openid: p.openid,
      tradeType: p.tradeType,
      bankType: p.bankType,
      settlementFen: p.totalFen,
      refundId: '0',
      outRefundNo: '0',
      refundFen: 0,
      refundType: '',
      refundStatus: '',
      goodsName: p.description,
      feeE5: feeE5Of(p.totalFen, feeRateBps),
      rate,
      orderFen: p.totalFen,
      requestedRefundFen: 0,
    });
  }
  for (const r of refunds) {
    // WeChat lists a refund on the day it was applied for, with the status it had at generation time.
    if (shanghaiDate(r.createTime) !== date) continue;
    const p = byTrade.get(r.outTradeNo);
    rows.push({
      kind: 'REFUND',
      tradeTime: r.createTime,
      paymentTime: p?.successTime ?? r.createTime,
      refundApplyTime: r.createTime,
      refundSuccessTime: r.status === 'SUCCESS' ? r.successTime : undefined,
      appid: p?.appid ?? '',
      mchid: p?.mchid ?? '',
      transactionId: r.transactionId,
      outTradeNo: r.outTradeNo,
      openid: p?.openid ?? '',
      tradeType: p?.tradeType ?? 'JSAPI',
      bankType: p?.bankType ?? 'OTHERS',
      settlementFen: 0,
      refundId: r.refundId,
      outRefundNo: r.outRefundNo,
      refundFen: r.refundFen,
      refundType: r.channel,
      refundStatus: r.status,
      goodsName: p?.description ?? '',
      feeE5: -feeE5Of(r.refundFen, feeRateBps),
      rate,
      orderFen: 0,
      requestedRefundFen: r.refundFen,
    });
  }
  return rows;
}

function cells(row: BillRow, type: BillType): string[] {
  const t = (d: Date | undefined): string => (d ? billTimeShanghai(d) : '');
  const status = row.kind === 'PAYMENT' ? 'SUCCESS' : 'REFUND';
  const head = [
    t(type === 'REFUND' ? row.paymentTime : row.tradeTime),
    row.appid,
    row.mchid,
    '0',
    '',
    row.transactionId,
    row.outTradeNo,
    row.openid,
    row.tradeType,
    status,
    row.bankType,
    'CNY',
    yuan(row.settlementFen),
    '0.00',
  ];
  const refundCols = [
    row.refundId,
    row.outRefundNo,
    yuan(row.refundFen),
    '0.00',
    row.refundType,
    row.refundStatus,
  ];
  const tail = [row.goodsName, '', fee5(row.feeE5), row.rate, yuan(row.orderFen)];
  if (type === 'SUCCESS') return [...head, ...tail, ''];
  const refundTimes = type === 'REFUND' ? [t(row.refundApplyTime), t(row.refundSuccessTime)] : [];
  return [...head, ...refundTimes, ...refundCols, ...tail, yuan(row.requestedRefundFen), ''];
}

export function includesRow(row: BillRow, type: BillType): boolean {
  return type === 'ALL' || (type === 'SUCCESS' ? row.kind === 'PAYMENT' : row.kind === 'REFUND');
}

export function computeSummary(rows: readonly BillRow[]): Record<SummaryColumn, string> {
  const sum = (f: (r: BillRow) => number): number => rows.reduce((s, r) => s + f(r), 0);
  return {
    总交易单数: String(rows.length),
    应结订单总金额: yuan(sum((r) => r.settlementFen)),
    退款总金额: yuan(sum((r) => r.refundFen)),
    充值券退款总金额: '0.00',
    手续费总金额: fee5(sum((r) => r.feeE5)),
    订单总金额: yuan(sum((r) => r.orderFen)),
    申请退款总金额: yuan(sum((r) => r.requestedRefundFen)),
  };
}

export function renderBill(
  rows: readonly BillRow[],
  type: BillType,
  summaryOverride: Partial<Record<SummaryColumn, string>> = {},
): string {
  const included = rows.filter((r) => includesRow(r, type));
  const summary = { ...computeSummary(included), ...summaryOverride };
  const lines = [
    HEADERS[type].join(','),
    ...included.map((r) =>
      cells(r, type)
        .map((c) => `\`${c}`)
        .join(','),
    ),
    SUMMARY_HEADER.join(','),
    SUMMARY_HEADER.map((k) => `\`${summary[k]}`).join(','),
  ];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** Control-API statement edits (C5: unknown rows, missing rows, altered amounts/statuses, bad footers). */
export type StatementEdit =
  | {
      readonly op: 'addRow';
      readonly kind: 'PAYMENT' | 'REFUND';
      readonly outTradeNo: string;
      readonly amountFen: number;
      /** ISO instant; any day (cross-midnight rows are allowed on purpose). */
      readonly tradeTime: string;
      readonly transactionId?: string;
      readonly outRefundNo?: string;
      readonly refundId?: string;
      readonly refundStatus?: string;
    }
  | { readonly op: 'removeRows'; readonly outTradeNo?: string; readonly outRefundNo?: string }
  | {
      readonly op: 'alterRows';
      readonly outTradeNo?: string;
      readonly outRefundNo?: string;
      readonly amountFen?: number;
      readonly refundStatus?: string;
      readonly tradeTime?: string;
      /** 手续费 in 1e-5 yuan (negative on refund rows: fee returned). */
      readonly feeE5?: number;
    }
  | { readonly op: 'duplicateRows'; readonly outTradeNo?: string; readonly outRefundNo?: string }
  | { readonly op: 'overrideSummary'; readonly values: Partial<Record<SummaryColumn, string>> };

function matches(
  row: BillRow,
  m: { outTradeNo?: string | undefined; outRefundNo?: string | undefined },
): boolean {
  if (m.outTradeNo === undefined && m.outRefundNo === undefined) return false;
  return (
    (m.outTradeNo === undefined || row.outTradeNo === m.outTradeNo) &&
    (m.outRefundNo === undefined || row.outRefundNo === m.outRefundNo)
  );
}

export interface StatementState {
  rows: BillRow[];
  summaryOverride: Partial<Record<SummaryColumn, string>>;
  readonly generatedAt: Date;
}

export function applyEdit(
  state: StatementState,
  edit: StatementEdit,
  template: { appid: string; mchid: string; feeRateBps: number },
): number {
  switch (edit.op) {
    case 'addRow': {
      const at = new Date(edit.tradeTime);
      if (Number.isNaN(at.getTime())) throw new Error(`bad tradeTime '${edit.tradeTime}'`);
      const isRefund = edit.kind === 'REFUND';
      const fee = Math.round((edit.amountFen * template.feeRateBps) / 10_000) * 1000;
      state.rows.push({
        kind: edit.kind,
        tradeTime: at,
        paymentTime: at,
        refundApplyTime: isRefund ? at : undefined,
        refundSuccessTime: undefined,
        appid: template.appid,
        mchid: template.mchid,
        transactionId: edit.transactionId ?? `42000${Date.now()}`,
        outTradeNo: edit.outTradeNo,
        openid: 'oSimForeignUser',
        tradeType: 'JSAPI',
        bankType: 'OTHERS',
        settlementFen: isRefund ? 0 : edit.amountFen,
        refundId: isRefund ? (edit.refundId ?? `503${Date.now()}`) : '0',
        outRefundNo: isRefund ? (edit.outRefundNo ?? `FOREIGN${Date.now()}`) : '0',
        refundFen: isRefund ? edit.amountFen : 0,
        refundType: isRefund ? 'ORIGINAL' : '',
        refundStatus: isRefund ? (edit.refundStatus ?? 'SUCCESS') : '',
        goodsName: 'foreign',
        feeE5: isRefund ? -fee : fee,
        rate: `${(template.feeRateBps / 100).toFixed(2)}%`,
        orderFen: isRefund ? 0 : edit.amountFen,
        requestedRefundFen: isRefund ? edit.amountFen : 0,
      });
      return 1;
    }
    case 'removeRows': {
      const before = state.rows.length;
      state.rows = state.rows.filter((r) => !matches(r, edit));
      return before - state.rows.length;
    }
    case 'alterRows': {
      const hit = state.rows.filter((r) => matches(r, edit));
      for (const r of hit) alterRow(r, edit);
      return hit.length;
    }
    case 'duplicateRows': {
      const hit = state.rows.filter((r) => matches(r, edit));
      state.rows.push(...hit.map((r) => ({ ...r })));
      return hit.length;
    }
    case 'overrideSummary':
      state.summaryOverride = { ...state.summaryOverride, ...edit.values };
      return 1;
  }
}

function alterRow(r: BillRow, edit: Extract<StatementEdit, { op: 'alterRows' }>): void {
  if (edit.amountFen !== undefined) {
    if (r.kind === 'PAYMENT') {
      r.settlementFen = edit.amountFen;
      r.orderFen = edit.amountFen;
    } else {
      r.refundFen = edit.amountFen;
      r.requestedRefundFen = edit.amountFen;
    }
  }
  if (edit.refundStatus !== undefined && r.kind === 'REFUND') r.refundStatus = edit.refundStatus;
  if (edit.tradeTime !== undefined) r.tradeTime = new Date(edit.tradeTime);
  if (edit.feeE5 !== undefined) r.feeE5 = edit.feeE5;
}
