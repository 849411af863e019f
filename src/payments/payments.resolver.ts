import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { mayView, Role } from '../auth/index.js';
import { actorOf, listFirst, pageSize, requireViewer, type GraphQLContext } from '../graphql/index.js';
import { fromMoneyInput } from '../money/index.js';
import {
  OrderType,
  PaymentType,
  RecordPaymentInput,
  RecordPaymentPayload,
  ReportOrderInput,
  toOrderType,
  toPaymentType,
  UpdateDeliveryStatusInput,
} from './payments.types.js';
import type { PaymentsService } from './payments.service.js';

@Resolver(() => OrderType)
export class OrderResolver {
  constructor(private readonly paymentsService: PaymentsService) {}

  @Authorized()
  @Query(() => OrderType, { nullable: true, description: 'An order the caller may see (null otherwise).' })
  async order(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<OrderType | null> {
    const order = await this.paymentsService.getOrder(id);
    return order && mayView(requireViewer(ctx), order) ? toOrderType(order) : null;
  }

  @FieldResolver(() => [PaymentType])
  async payments(
    @Root() order: OrderType,
    @Arg('first', () => Int, listFirst(10)) first: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<PaymentType[]> {
    const viewer = requireViewer(ctx);
    const payments = await this.paymentsService.paymentsOfOrder(order.id, pageSize(first));
    // The Payment rule on this path too: a rider who carried the order sees only its own share's payment.
    return payments.filter((payment) => mayView(viewer, payment)).map(toPaymentType);
  }

  @Authorized(Role.SERVICE, Role.ADMIN)
  @Mutation(() => OrderType, { description: 'The order system reports an order (idempotent).' })
  async reportOrder(
    @Arg('input', () => ReportOrderInput) input: ReportOrderInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderType> {
    const order = await this.paymentsService.reportOrder(
      {
        id: input.id,
        customerId: input.customerId,
        merchantId: input.merchantId,
        riderId: input.riderId,
        total: fromMoneyInput(input.total),
        promisedAt: input.promisedAt,
        deliveryStatus: input.deliveryStatus,
        statusChangedAt: input.statusChangedAt,
        paymentChannel: input.paymentChannel,
        outTradeNo: input.outTradeNo,
      },
      actorOf(ctx),
    );
    return toOrderType(order);
  }

  @Authorized(Role.SERVICE, Role.ADMIN)
  @Mutation(() => OrderType, {
    description: 'The order system reports a delivery status change (older reports are ignored).',
  })
  async updateDeliveryStatus(
    @Arg('input', () => UpdateDeliveryStatusInput) input: UpdateDeliveryStatusInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderType> {
    const order = await this.paymentsService.updateDeliveryStatus(
      input.orderId,
      input.deliveryStatus,
      input.changedAt,
      actorOf(ctx),
      input.riderId,
    );
    return toOrderType(order);
  }
}

@Resolver(() => PaymentType)
export class PaymentResolver {
  constructor(private readonly paymentsService: PaymentsService) {}

  @Authorized()
  @Query(() => PaymentType, { nullable: true, description: 'A payment the caller may see (null otherwise).' })
  async payment(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<PaymentType | null> {
    const payment = await this.paymentsService.getPayment(id);
    return payment && mayView(requireViewer(ctx), payment) ? toPaymentType(payment) : null;
  }

  @Authorized(Role.SERVICE, Role.ADMIN)
  @Mutation(() => RecordPaymentPayload, {
    description: 'A captured payment (idempotent on channel + outTradeNo).',
  })
  async recordPayment(
    @Arg('input', () => RecordPaymentInput) input: RecordPaymentInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RecordPaymentPayload> {
    const result = await this.paymentsService.recordPayment(
      {
        orderId: input.orderId,
        channel: input.channel,
        outTradeNo: input.outTradeNo,
        providerTransactionId: input.providerTransactionId,
        amount: fromMoneyInput(input.amount),
        capturedAt: input.capturedAt,
        commission: input.commission ? fromMoneyInput(input.commission, 'nonNegative') : undefined,
        rider: input.riderShare
          ? {
              riderId: input.riderShare.riderId,
              amount: fromMoneyInput(input.riderShare.amount, 'nonNegative'),
            }
          : undefined,
        payerAccount: input.payerAccount ?? undefined,
      },
      actorOf(ctx),
      'SERVICE',
    );
    return Object.assign(new RecordPaymentPayload(), {
      payment: toPaymentType(result.payment),
      replayed: result.replayed,
    });
  }
}
