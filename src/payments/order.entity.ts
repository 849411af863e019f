import { defineEntity, p } from '@mikro-orm/core';
import type { Channel } from '../providers/index.js';
import type { DeliveryStatus, OrderRefundStatus } from './payments.model.js';

/** An order as the refund service needs it, reported by the order system (idempotent upserts). */
export const OrderSchema = defineEntity({
  name: 'Order',
  tableName: 'food_order',
  properties: {
    id: p.string().primary().length(64),
    customerId: p.string().length(64),
    merchantId: p.string().length(64),
    riderId: p.string().length(64).nullable(),
    totalMinor: p.bigint('bigint'),
    currency: p.string().length(3),
    promisedAt: p.datetime().nullable(),
    deliveredAt: p.datetime().nullable(),
    deliveryStatus: p.string().length(16).$type<DeliveryStatus>(),
    /** When the order system last changed `deliveryStatus`: older reports are ignored. */
    statusChangedAt: p.datetime(),
    refundStatus: p.string().length(24).$type<OrderRefundStatus>().default('NONE'),
    /** The payment the order expects, so a provider's payment notify can be matched to it. */
    paymentChannel: p.string().length(16).$type<Channel>().nullable(),
    outTradeNo: p.string().length(64).nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
  // promisedAt: late-order detection reads a window of promised times every minute.
  indexes: [
    { properties: ['customerId', 'createdAt'] },
    { properties: ['merchantId', 'createdAt'] },
    { properties: ['promisedAt'] },
    // The nightly risk sweep's claim rates read a period's orders (payment.figures.ts), index-only.
    { properties: ['createdAt'], include: ['merchantId', 'riderId'] },
  ],
  uniques: [
    { name: 'food_order_payment_channel_out_trade_no_unique', properties: ['paymentChannel', 'outTradeNo'] },
  ],
  checks: [
    { name: 'food_order_total_positive', expression: 'total_minor > 0' },
    {
      name: 'food_order_refund_status_check',
      expression: `refund_status in ('NONE', 'PARTIALLY_REFUNDED', 'REFUNDED')`,
    },
  ],
});

export type Order = InstanceType<typeof OrderSchema.class>;
