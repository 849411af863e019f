import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { MoneyInput, MoneyType, toMoneyType } from '../money/index.js';
import type { OrderView, PaymentView } from './payments.model.js';

export enum PaymentChannel {
  WECHAT_PAY = 'WECHAT_PAY',
  ALIPAY = 'ALIPAY',
}
registerEnumType(PaymentChannel, { name: 'PaymentChannel' });

export enum DeliveryStatusEnum {
  PLACED = 'PLACED',
  PREPARING = 'PREPARING',
  DELIVERING = 'DELIVERING',
  DELIVERED = 'DELIVERED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(DeliveryStatusEnum, { name: 'DeliveryStatus' });

export enum OrderRefundStatusEnum {
  NONE = 'NONE',
  PARTIALLY_REFUNDED = 'PARTIALLY_REFUNDED',
  REFUNDED = 'REFUNDED',
}
registerEnumType(OrderRefundStatusEnum, { name: 'OrderRefundStatus' });

@ObjectType('Payment', { description: 'One captured charge of an order on one channel.' })
export class PaymentType {
  @Field(() => ID) id!: string;
  @Field(() => ID) orderId!: string;
  @Field(() => PaymentChannel) channel!: PaymentChannel;
  @Field(() => String) outTradeNo!: string;
  @Field(() => String, { nullable: true }) providerTransactionId!: string | null;
  @Field(() => MoneyType) amount!: MoneyType;
  @Field(() => MoneyType, { description: 'Refunds that succeeded.' }) refunded!: MoneyType;
  @Field(() => MoneyType, {
    description: 'Refunds requested and not failed or closed (in flight or succeeded).',
  })
  reserved!: MoneyType;
  @Field(() => MoneyType, { description: 'What can still be refunded.' }) refundable!: MoneyType;
  @Field(() => Int) refundCount!: number;
  @Field(() => GraphQLISODateTime) capturedAt!: Date;
}

@ObjectType('Order', { description: 'An order as the refund service knows it.' })
export class OrderType {
  @Field(() => ID) id!: string;
  @Field(() => String) customerId!: string;
  @Field(() => String) merchantId!: string;
  @Field(() => String, { nullable: true }) riderId!: string | null;
  @Field(() => MoneyType) total!: MoneyType;
  @Field(() => GraphQLISODateTime, { nullable: true }) promisedAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) deliveredAt!: Date | null;
  @Field(() => DeliveryStatusEnum) deliveryStatus!: DeliveryStatusEnum;
  @Field(() => OrderRefundStatusEnum) refundStatus!: OrderRefundStatusEnum;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

@InputType('ReportOrderInput')
export class ReportOrderInput {
  @Field(() => ID) id!: string;
  @Field(() => String) customerId!: string;
  @Field(() => String) merchantId!: string;
  @Field(() => String, { nullable: true }) riderId?: string | null;
  @Field(() => MoneyInput) total!: MoneyInput;
  @Field(() => GraphQLISODateTime, { nullable: true }) promisedAt?: Date | null;
  @Field(() => DeliveryStatusEnum) deliveryStatus!: DeliveryStatusEnum;
  @Field(() => GraphQLISODateTime, {
    description: 'When the order system changed the status; older reports are ignored.',
  })
  statusChangedAt!: Date;
  @Field(() => PaymentChannel, { nullable: true }) paymentChannel?: PaymentChannel | null;
  @Field(() => String, { nullable: true, description: 'The out_trade_no the payment will carry.' })
  outTradeNo?: string | null;
}

@InputType('UpdateDeliveryStatusInput')
export class UpdateDeliveryStatusInput {
  @Field(() => ID) orderId!: string;
  @Field(() => DeliveryStatusEnum) deliveryStatus!: DeliveryStatusEnum;
  @Field(() => GraphQLISODateTime) changedAt!: Date;
  @Field(() => String, { nullable: true }) riderId?: string | null;
}

@InputType('RiderShareInput')
export class RiderShareInput {
  @Field(() => String) riderId!: string;
  @Field(() => MoneyInput) amount!: MoneyInput;
}

@InputType('RecordPaymentInput')
export class RecordPaymentInput {
  @Field(() => ID) orderId!: string;
  @Field(() => PaymentChannel) channel!: PaymentChannel;
  @Field(() => String) outTradeNo!: string;
  @Field(() => String, { nullable: true }) providerTransactionId?: string | null;
  @Field(() => MoneyInput) amount!: MoneyInput;
  @Field(() => GraphQLISODateTime) capturedAt!: Date;
  @Field(() => MoneyInput, {
    nullable: true,
    description: 'Platform commission; the rest goes to the merchant.',
  })
  commission?: MoneyInput | null;
  @Field(() => RiderShareInput, { nullable: true }) riderShare?: RiderShareInput | null;
  @Field(() => String, {
    nullable: true,
    description:
      'The provider account that paid (WeChat openid, Alipay buyer_id): accounts sharing one are flagged together.',
  })
  payerAccount?: string | null;
}

@ObjectType('RecordPaymentPayload')
export class RecordPaymentPayload {
  @Field(() => PaymentType) payment!: PaymentType;
  @Field(() => Boolean, { description: 'True when this out_trade_no had already been recorded.' })
  replayed!: boolean;
}

export function toPaymentType(view: PaymentView): PaymentType {
  return Object.assign(new PaymentType(), {
    id: view.id,
    orderId: view.orderId,
    channel: view.channel as PaymentChannel,
    outTradeNo: view.outTradeNo,
    providerTransactionId: view.providerTransactionId,
    amount: toMoneyType(view.amount),
    refunded: toMoneyType(view.refunded),
    reserved: toMoneyType(view.reserved),
    refundable: toMoneyType(view.refundable),
    refundCount: view.refundCount,
    capturedAt: view.capturedAt,
  });
}

export function toOrderType(view: OrderView): OrderType {
  return Object.assign(new OrderType(), {
    id: view.id,
    customerId: view.customerId,
    merchantId: view.merchantId,
    riderId: view.riderId,
    total: toMoneyType(view.total),
    promisedAt: view.promisedAt,
    deliveredAt: view.deliveredAt,
    deliveryStatus: view.deliveryStatus as DeliveryStatusEnum,
    refundStatus: view.refundStatus as OrderRefundStatusEnum,
    createdAt: view.createdAt,
  });
}
