import type { Money } from '../money/index.js';
import type { Channel } from '../providers/index.js';

export type DeliveryStatus = 'PLACED' | 'PREPARING' | 'DELIVERING' | 'DELIVERED' | 'CANCELLED';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = [
  'PLACED',
  'PREPARING',
  'DELIVERING',
  'DELIVERED',
  'CANCELLED',
];

export type OrderRefundStatus = 'NONE' | 'PARTIALLY_REFUNDED' | 'REFUNDED';

export interface OrderView {
  readonly id: string;
  readonly customerId: string;
  readonly merchantId: string;
  readonly riderId: string | null;
  readonly total: Money;
  readonly promisedAt: Date | null;
  readonly deliveredAt: Date | null;
  readonly deliveryStatus: DeliveryStatus;
  readonly refundStatus: OrderRefundStatus;
  readonly paymentChannel: Channel | null;
  readonly outTradeNo: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface PaymentView {
  readonly id: string;
  readonly orderId: string;
  readonly customerId: string;
  readonly merchantId: string;
  readonly channel: Channel;
  readonly outTradeNo: string;
  readonly providerTransactionId: string | null;
  readonly amount: Money;
  readonly commission: Money;
  readonly riderId: string | null;
  readonly riderShare: Money;
  /** Refunds not FAILED/CLOSED (in flight or succeeded). */
  readonly reserved: Money;
  readonly refunded: Money;
  readonly refundable: Money;
  readonly refundCount: number;
  readonly source: 'SERVICE' | 'NOTIFY';
  readonly capturedAt: Date;
  readonly createdAt: Date;
}

export interface ReportOrderInput {
  readonly id: string;
  readonly customerId: string;
  readonly merchantId: string;
  readonly riderId?: string | null | undefined;
  readonly total: Money;
  readonly promisedAt?: Date | null | undefined;
  readonly deliveryStatus: DeliveryStatus;
  readonly statusChangedAt: Date;
  readonly paymentChannel?: Channel | null | undefined;
  readonly outTradeNo?: string | null | undefined;
}

export interface RecordPaymentInput {
  readonly orderId: string;
  readonly channel: Channel;
  readonly outTradeNo: string;
  readonly providerTransactionId?: string | null | undefined;
  readonly amount: Money;
  readonly capturedAt: Date;
  readonly commission?: Money | undefined;
  readonly rider?: { readonly riderId: string; readonly amount: Money } | undefined;
  /** The provider account that paid (WeChat openid, Alipay buyer_id). */
  readonly payerAccount?: string | undefined;
}
