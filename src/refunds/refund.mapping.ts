import { toBigint, toDate } from '../db/index.js';
import type { LiableParty } from '../ledger/index.js';
import { money } from '../money/index.js';
import type { Channel } from '../providers/index.js';
import type { RefundView } from './refund.model.js';
import type { RefundStatus } from './refund.state.js';

/** A `refund` row as PostgreSQL returns it. */
export interface RefundRow {
  id: string;
  payment_id: string;
  order_id: string;
  customer_id: string;
  merchant_id: string;
  channel: string;
  amount_minor: string;
  currency: string;
  reason: string;
  liable: LiableParty;
  case_id: string | null;
  status: RefundStatus;
  settled_by: 'PROVIDER' | 'MANUAL' | null;
  provider_refund_id: string | null;
  idempotency_scope: string;
  idempotency_key: string;
  request_hash: string;
  requested_by: string;
  requested_role: string;
  attempts: number;
  last_error_code: string | null;
  last_error_message: string | null;
  lease_until: Date | null;
  submitted_at: Date | null;
  finalized_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function toRefundView(row: RefundRow): RefundView {
  return {
    id: row.id,
    paymentId: row.payment_id,
    orderId: row.order_id,
    customerId: row.customer_id,
    merchantId: row.merchant_id,
    channel: row.channel as Channel,
    amount: money(toBigint(row.amount_minor), row.currency),
    reason: row.reason,
    liable: row.liable,
    caseId: row.case_id,
    status: row.status,
    settledBy: row.settled_by,
    providerRefundId: row.provider_refund_id,
    requestedBy: row.requested_by,
    requestedRole: row.requested_role,
    attempts: Number(row.attempts),
    lastErrorCode: row.last_error_code,
    lastErrorMessage: row.last_error_message,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    submittedAt: row.submitted_at ? toDate(row.submitted_at) : null,
    finalizedAt: row.finalized_at ? toDate(row.finalized_at) : null,
  };
}
