import { defineEntity, p } from '@mikro-orm/core';
import type { Channel } from '../providers/index.js';
import { OrderSchema } from './order.entity.js';

/**
 * One captured charge of an order on one channel. `reservedMinor` is the sum of its refunds that are
 * not FAILED/CLOSED; the refund cap is the CHECK `reserved_minor <= amount_minor`, moved only by one
 * conditional UPDATE, so racing refunds can never exceed the payment.
 */
export const PaymentSchema = defineEntity({
  name: 'Payment',
  tableName: 'payment',
  properties: {
    id: p.string().primary().length(64),
    order: () => p.manyToOne(OrderSchema).ref().deleteRule('restrict').updateRule('restrict'),
    customerId: p.string().length(64),
    merchantId: p.string().length(64),
    channel: p.string().length(16).$type<Channel>(),
    outTradeNo: p.string().length(64),
    providerTransactionId: p.string().length(64).nullable(),
    amountMinor: p.bigint('bigint'),
    currency: p.string().length(3),
    commissionMinor: p.bigint('bigint').default(0),
    riderId: p.string().length(64).nullable(),
    /** The provider account that paid (WeChat openid, Alipay buyer id), when the order system gives it. */
    payerAccount: p.string().length(128).nullable(),
    riderMinor: p.bigint('bigint').default(0),
    reservedMinor: p.bigint('bigint').default(0),
    refundedMinor: p.bigint('bigint').default(0),
    refundCount: p.integer().default(0),
    /** SERVICE (order system) or NOTIFY (provider's payment-success notify). */
    source: p.string().length(16).$type<'SERVICE' | 'NOTIFY'>(),
    capturedAt: p.datetime(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
  indexes: [
    { properties: ['order'] },
    // Carries what the risk figures read (payment.figures.ts), so they are index-only scans.
    { properties: ['customerId', 'createdAt'], include: ['amountMinor', 'currency', 'payerAccount'] },
    { properties: ['payerAccount', 'createdAt'], include: ['customerId'] },
  ],
  uniques: [{ name: 'payment_channel_out_trade_no_unique', properties: ['channel', 'outTradeNo'] }],
  checks: [
    { name: 'payment_amount_positive', expression: 'amount_minor > 0' },
    {
      name: 'payment_refund_cap',
      expression:
        '0 <= refunded_minor and refunded_minor <= reserved_minor and reserved_minor <= amount_minor',
    },
    {
      name: 'payment_split_check',
      expression:
        'commission_minor >= 0 and rider_minor >= 0 and commission_minor + rider_minor <= amount_minor',
    },
  ],
});

export type Payment = InstanceType<typeof PaymentSchema.class>;
