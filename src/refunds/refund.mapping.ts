import { selectList, toBigint, toDate, type SqlRow } from '../db/index.js';
import { money } from '../money/index.js';
import type { Payment } from '../payments/index.js';
import type { Refund } from './refund.entity.js';
import type { RefundPayment, RefundView } from './refund.model.js';

/** A `refund` row as hand-written SQL selects it (`REFUND_COLUMNS`), typed from the entity. */
export type RefundRow = SqlRow<
  Refund,
  | 'id'
  | 'payment'
  | 'order'
  | 'customerId'
  | 'merchantId'
  | 'channel'
  | 'amountMinor'
  | 'currency'
  | 'reason'
  | 'liable'
  | 'caseId'
  | 'status'
  | 'settledBy'
  | 'providerRefundId'
  | 'idempotencyScope'
  | 'idempotencyKey'
  | 'requestHash'
  | 'requestedBy'
  | 'requestedRole'
  | 'attempts'
  | 'lastErrorCode'
  | 'lastErrorMessage'
  | 'leaseUntil'
  | 'submittedAt'
  | 'finalizedAt'
  | 'createdAt'
  | 'updatedAt'
>;

const COLUMNS: Readonly<Record<keyof RefundRow, string>> = {
  id: 'id',
  payment: 'payment_id',
  order: 'order_id',
  customerId: 'customer_id',
  merchantId: 'merchant_id',
  channel: 'channel',
  amountMinor: 'amount_minor',
  currency: 'currency',
  reason: 'reason',
  liable: 'liable',
  caseId: 'case_id',
  status: 'status',
  settledBy: 'settled_by',
  providerRefundId: 'provider_refund_id',
  idempotencyScope: 'idempotency_scope',
  idempotencyKey: 'idempotency_key',
  requestHash: 'request_hash',
  requestedBy: 'requested_by',
  requestedRole: 'requested_role',
  attempts: 'attempts',
  lastErrorCode: 'last_error_code',
  lastErrorMessage: 'last_error_message',
  leaseUntil: 'lease_until',
  submittedAt: 'submitted_at',
  finalizedAt: 'finalized_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

/** The select list of `RefundRow`; `refundColumns('r.')` for a table alias or a composite value. */
export const refundColumns = (of = ''): string => selectList(COLUMNS, of);
export const REFUND_COLUMNS = refundColumns();

/**
 * What the provider needs of a refund's payment, as the payments module's `payment_provider_facts`
 * returns it (aliased to the entity's names).
 */
export type PaymentFacts = SqlRow<Payment, 'outTradeNo' | 'providerTransactionId'> & {
  paymentAmountMinor: string;
};
export const PAYMENT_FACTS_COLUMNS = `f.out_trade_no as "outTradeNo",
  f.provider_transaction_id as "providerTransactionId", f.amount_minor as "paymentAmountMinor"`;

export function toRefundView(row: RefundRow): RefundView {
  return {
    id: row.id,
    paymentId: row.payment,
    orderId: row.order,
    customerId: row.customerId,
    merchantId: row.merchantId,
    channel: row.channel,
    amount: money(toBigint(row.amountMinor), row.currency),
    reason: row.reason,
    liable: row.liable,
    caseId: row.caseId ?? null,
    status: row.status,
    settledBy: row.settledBy ?? null,
    providerRefundId: row.providerRefundId ?? null,
    requestedBy: row.requestedBy,
    requestedRole: row.requestedRole,
    attempts: Number(row.attempts),
    lastErrorCode: row.lastErrorCode ?? null,
    lastErrorMessage: row.lastErrorMessage ?? null,
    createdAt: toDate(row.createdAt),
    updatedAt: toDate(row.updatedAt),
    submittedAt: row.submittedAt ? toDate(row.submittedAt) : null,
    finalizedAt: row.finalizedAt ? toDate(row.finalizedAt) : null,
  };
}

export function toRefundPayment(row: RefundRow & PaymentFacts): RefundPayment {
  const refund = toRefundView(row);
  return {
    refund,
    payment: {
      outTradeNo: row.outTradeNo,
      providerTransactionId: row.providerTransactionId ?? null,
      amount: money(toBigint(row.paymentAmountMinor), refund.amount.currency),
    },
  };
}
