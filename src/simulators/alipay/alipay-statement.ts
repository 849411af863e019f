/**
 * Which rows a day's bill holds (payments by payment time, refunds by refund completion time, both as
 * Asia/Shanghai business dates), plus the test-scripted edits of PROTOCOLS C5: foreign, missing,
 * altered and duplicate rows, a footer that disagrees with the rows, corrupted downloads.
 */
import type { AlipayState, SimRefund, SimTrade } from './alipay-state.js';
import { computeFooter, type BillFooter, type BillRow } from './alipay-bill.js';
import { beijingDate } from './alipay-wire.js';

export type FenInput = bigint | number | string;

export interface RowMatch {
  readonly outTradeNo?: string;
  readonly tradeNo?: string;
  readonly refundNo?: string;
  readonly kind?: string;
}

/** A row added by a test (e.g. a refund made in the merchant portal). `amountFen` is positive. */
export interface ExtraRowInput {
  readonly tradeNo?: string;
  readonly outTradeNo: string;
  /** 交易 / 退款, or any other text to test unknown business types. */
  readonly kind: string;
  readonly amountFen: FenInput;
  readonly refundNo?: string;
  readonly subject?: string;
  readonly createdAt?: Date | string;
  readonly completedAt?: Date | string;
}

export interface RowPatch {
  readonly kind?: string;
  readonly amountFen?: FenInput;
  /** 服务费 as printed (charged on trades is negative). */
  readonly feeFen?: FenInput;
  readonly completedAt?: Date | string;
  readonly refundNo?: string;
}

export interface StatementEdit {
  readonly addRows?: readonly ExtraRowInput[];
  readonly removeRows?: readonly RowMatch[];
  readonly patchRows?: readonly { readonly match: RowMatch; readonly set: RowPatch }[];
  readonly duplicateRows?: readonly RowMatch[];
  readonly footer?: {
    readonly tradeCount?: number;
    readonly tradeReceivedFen?: FenInput;
    readonly refundCount?: number;
    readonly refundReceivedFen?: FenInput;
  };
  /** `truncate`: cut the zip in half; `garbage`: an HTML page instead of a zip. */
  readonly corrupt?: 'truncate' | 'garbage';
  readonly emptyDayMode?: 'not_exist' | 'empty_file';
}

export interface StatementDefaults {
  readonly feeRateBasisPoints: number;
  readonly storeName: string;
}

const toDate = (d: Date | string): Date => (d instanceof Date ? d : new Date(d));

function fee(amountFen: bigint, bps: number): bigint {
  return (amountFen * BigInt(bps) + 5_000n) / 10_000n;
}

function paymentRow(t: SimTrade, d: StatementDefaults): BillRow {
  return {
    tradeNo: t.tradeNo,
    outTradeNo: t.outTradeNo,
    kind: '交易',
    subject: t.subject,
    createdAt: t.createdAt,
    completedAt: t.paidAt,
    storeId: t.storeId,
    storeName: d.storeName,
    operatorId: t.operatorId,
    terminalId: '',
    buyerAccount: t.buyerLogonId,
    orderAmountFen: t.totalFen,
    receivedFen: t.totalFen,
    merchantDiscountFen: 0n,
    refundNo: '',
    // ⚠ sign convention: the fee is charged (negative) on trades and given back (positive) on refunds.
    feeFen: -fee(t.totalFen, d.feeRateBasisPoints),
    remark: t.body ?? t.subject,
  };
}

function refundRow(t: SimTrade, r: SimRefund, completedAt: Date, d: StatementDefaults): BillRow {
  return {
    ...paymentRow(t, d),
    kind: '退款',
    completedAt,
    orderAmountFen: -r.amountFen,
    receivedFen: -r.amountFen,
    refundNo: r.outRequestNo,
    feeFen: fee(r.amountFen, d.feeRateBasisPoints),
  };
}

export function rowsFromState(state: AlipayState, day: string, d: StatementDefaults): BillRow[] {
  const rows: BillRow[] = [];
  for (const t of state.trades.values()) {
    if (t.status !== 'WAIT_BUYER_PAY' && beijingDate(t.paidAt) === day) rows.push(paymentRow(t, d));
  }
  for (const r of state.refunds.values()) {
    const t = state.findTrade(r.tradeNo, undefined);
    if (t && r.status === 'SUCCESS' && r.completedAt && beijingDate(r.completedAt) === day) {
      rows.push(refundRow(t, r, r.completedAt, d));
    }
  }
  return rows.sort((a, b) => a.completedAt.getTime() - b.completedAt.getTime());
}

function matches(row: BillRow, m: RowMatch): boolean {
  return (
    (m.outTradeNo === undefined || m.outTradeNo === row.outTradeNo) &&
    (m.tradeNo === undefined || m.tradeNo === row.tradeNo) &&
    (m.refundNo === undefined || m.refundNo === row.refundNo) &&
    (m.kind === undefined || m.kind === row.kind)
  );
}

function signed(kind: string, amountFen: bigint): bigint {
  return kind === '退款' ? -amountFen : amountFen;
}

function extraRow(input: ExtraRowInput, day: string, d: StatementDefaults): BillRow {
  const amount = BigInt(input.amountFen);
  const completedAt = input.completedAt
    ? toDate(input.completedAt)
    : new Date(Date.parse(`${day}T12:00:00+08:00`));
  return {
    tradeNo: input.tradeNo ?? `${day.replaceAll('-', '')}22001999${String(amount).padStart(12, '0')}`,
    outTradeNo: input.outTradeNo,
    kind: input.kind,
    subject: input.subject ?? '商户后台交易',
    createdAt: input.createdAt ? toDate(input.createdAt) : completedAt,
    completedAt,
    storeId: '',
    storeName: d.storeName,
    operatorId: '',
    terminalId: '',
    buyerAccount: '*某(138****0000)',
    orderAmountFen: signed(input.kind, amount),
    receivedFen: signed(input.kind, amount),
    merchantDiscountFen: 0n,
    refundNo: input.refundNo ?? '',
    // The agreed fee, as on generated rows: charged on trades, given back on refunds.
    feeFen:
      input.kind === '交易'
        ? -fee(amount, d.feeRateBasisPoints)
        : input.kind === '退款'
          ? fee(amount, d.feeRateBasisPoints)
          : 0n,
    remark: input.subject ?? '商户后台交易',
  };
}

function patched(row: BillRow, set: RowPatch): BillRow {
  const kind = set.kind ?? row.kind;
  const amount = set.amountFen === undefined ? undefined : signed(kind, BigInt(set.amountFen));
  return {
    ...row,
    kind,
    ...(amount === undefined ? {} : { orderAmountFen: amount, receivedFen: amount }),
    ...(set.completedAt === undefined ? {} : { completedAt: toDate(set.completedAt) }),
    ...(set.refundNo === undefined ? {} : { refundNo: set.refundNo }),
    ...(set.feeFen === undefined ? {} : { feeFen: BigInt(set.feeFen) }),
  };
}

export function applyEdit(
  rows: readonly BillRow[],
  edit: StatementEdit | undefined,
  day: string,
  d: StatementDefaults,
): BillRow[] {
  if (!edit) return [...rows];
  let out = rows.filter((r) => !(edit.removeRows ?? []).some((m) => matches(r, m)));
  out = out.map((r) =>
    (edit.patchRows ?? []).reduce((acc, p) => (matches(acc, p.match) ? patched(acc, p.set) : acc), r),
  );
  const dups = out.filter((r) => (edit.duplicateRows ?? []).some((m) => matches(r, m)));
  return [...out, ...dups, ...(edit.addRows ?? []).map((x) => extraRow(x, day, d))];
}

export function footerFor(rows: readonly BillRow[], edit: StatementEdit | undefined): BillFooter {
  const f = computeFooter(rows);
  const o = edit?.footer;
  if (!o) return f;
  return {
    tradeCount: o.tradeCount ?? f.tradeCount,
    tradeReceivedFen: o.tradeReceivedFen === undefined ? f.tradeReceivedFen : BigInt(o.tradeReceivedFen),
    refundCount: o.refundCount ?? f.refundCount,
    refundReceivedFen: o.refundReceivedFen === undefined ? f.refundReceivedFen : BigInt(o.refundReceivedFen),
  };
}
