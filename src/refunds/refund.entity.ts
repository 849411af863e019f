import { defineEntity, p } from '@mikro-orm/core';
import type { LiableParty } from '../ledger/index.js';
import { OrderSchema, PaymentSchema } from '../payments/entities.js';
import type { Channel } from '../providers/index.js';
import { REFUND_STATUSES, type RefundStatus, type TransitionSource } from './refund.state.js';

/**
 * A refund command and its lifecycle. The id doubles as the provider's out_refund_no / out_request_no
 * and never changes, so provider retries are idempotent. (scope, key) makes the command idempotent.
 */
export const RefundSchema = defineEntity({
  name: 'Refund',
  tableName: 'refund',
  properties: {
    id: p.string().primary().length(64),
    payment: () => p.manyToOne(PaymentSchema).ref().deleteRule('restrict').updateRule('restrict'),
    order: () => p.manyToOne(OrderSchema).ref().deleteRule('restrict').updateRule('restrict'),
    customerId: p.string().length(64),
    merchantId: p.string().length(64),
    channel: p.string().length(16).$type<Channel>(),
    amountMinor: p.bigint('bigint'),
    currency: p.string().length(3),
    reason: p.string().length(500),
    /** `{ kind, id }` or `[{ party, amountMinor }]` — who bears the cost. */
    liable: p.json<LiableParty>(),
    caseId: p.string().length(64).nullable(),
    status: p.string().length(16).$type<RefundStatus>(),
    /** PROVIDER or MANUAL (settled by support after ABNORMAL). */
    settledBy: p.string().length(16).$type<'PROVIDER' | 'MANUAL'>().nullable(),
    providerRefundId: p.string().length(64).nullable(),
    idempotencyScope: p.string().length(160),
    idempotencyKey: p.string().length(200),
    requestHash: p.string().length(64),
    requestedBy: p.string().length(128),
    requestedRole: p.string().length(16),
    attempts: p.integer().default(0),
    lastErrorCode: p.string().length(64).nullable(),
    lastErrorMessage: p.string().length(500).nullable(),
    /** A worker's claim on the submission; expires so a crashed worker's refund is picked up again. */
    leaseUntil: p.datetime().nullable(),
    submittedAt: p.datetime().nullable(),
    finalizedAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
  indexes: [
    { properties: ['payment'] },
    { properties: ['order'] },
    { properties: ['status', 'updatedAt'] },
    // Carries what the risk figures read (refund.figures.ts), so they are index-only scans.
    { properties: ['customerId', 'createdAt'], include: ['order', 'amountMinor', 'currency', 'status'] },
    { properties: ['merchantId', 'createdAt'] },
    { properties: ['createdAt'] },
  ],
  uniques: [{ name: 'refund_idempotency_unique', properties: ['idempotencyScope', 'idempotencyKey'] }],
  checks: [
    { name: 'refund_amount_positive', expression: 'amount_minor > 0' },
    {
      name: 'refund_status_check',
      expression: `status in (${REFUND_STATUSES.map((status) => `'${status}'`).join(', ')})`,
    },
  ],
});

export type Refund = InstanceType<typeof RefundSchema.class>;

/** Every transition of a refund, with who and why. Append-only: the audit chain of `refundEvents`. */
export const RefundEventSchema = defineEntity({
  name: 'RefundEvent',
  tableName: 'refund_event',
  properties: {
    id: p.bigint('bigint').primary().autoincrement(),
    refund: () => p.manyToOne(RefundSchema).ref().deleteRule('restrict').updateRule('restrict'),
    fromStatus: p.string().length(16).$type<RefundStatus>().nullable(),
    toStatus: p.string().length(16).$type<RefundStatus>(),
    /** REQUEST, SUBMIT_RESPONSE, NOTIFY, POLL, SUPPORT, WORKER. */
    source: p.string().length(24).$type<TransitionSource>(),
    actorId: p.string().length(128),
    actorRole: p.string().length(16),
    detail: p.json<Record<string, unknown>>().nullable(),
    occurredAt: p.datetime().defaultRaw('now()'),
  },
  indexes: [{ properties: ['refund', 'id'] }],
});

export type RefundEvent = InstanceType<typeof RefundEventSchema.class>;
