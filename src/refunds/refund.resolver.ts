import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { mayView, Role, type Viewer } from '../auth/index.js';
import { AccessError } from '../errors/index.js';
import {
  actorOf,
  decodeCursor,
  pageSize,
  requireViewer,
  toPage,
  type GraphQLContext,
  type Page,
} from '../graphql/index.js';
import { fromMoneyInput } from '../money/index.js';
import { OrderType, PaymentType } from '../payments/index.js';
import type { RefundScope } from './refund.model.js';
import {
  RefundConnection,
  RefundEventType,
  RefundsArgs,
  RefundType,
  RequestRefundInputType,
  RequestRefundPayload,
  toRefundEventType,
  toRefundType,
} from './refund.types.js';
import type { RefundService } from './refund.service.js';

/** Customers see their own refunds, merchants theirs; riders none; the back office all. */
function refundScope(viewer: Viewer): RefundScope {
  switch (viewer.role) {
    case Role.CUSTOMER:
      return { kind: 'CUSTOMER', id: viewer.subject };
    case Role.MERCHANT:
      return { kind: 'MERCHANT', id: viewer.subject };
    case Role.RIDER:
      throw AccessError.forbidden('refunds');
    case Role.SUPPORT:
    case Role.FINANCE:
    case Role.ADMIN:
    case Role.SERVICE:
      return { kind: 'ALL' };
  }
}

@Resolver(() => RefundType)
export class RefundResolver {
  constructor(private readonly refundService: RefundService) {}

  @Authorized()
  @Query(() => RefundType, { nullable: true, description: 'A refund the caller may see (null otherwise).' })
  async refund(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<RefundType | null> {
    const refund = await this.refundService.get(id);
    return refund && mayView(requireViewer(ctx), refund) ? toRefundType(refund) : null;
  }

  @Authorized()
  @Query(() => RefundConnection, { description: 'Refunds the caller may see, newest first.' })
  async refunds(
    @Args(() => RefundsArgs) args: RefundsArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Page<RefundType>> {
    const scope = refundScope(requireViewer(ctx));
    const limit = pageSize(args.first);
    const cursor = decodeCursor(args.after, 2);
    const f = args.filter ?? {};
    const rows = await this.refundService.list(
      {
        status: f.status ?? undefined,
        channel: f.channel ?? undefined,
        paymentId: f.paymentId ?? undefined,
        orderId: f.orderId ?? undefined,
        customerId: f.customerId ?? undefined,
        merchantId: f.merchantId ?? undefined,
        createdFrom: f.createdFrom ?? undefined,
        createdTo: f.createdTo ?? undefined,
      },
      scope,
      limit + 1,
      cursor ? { createdAt: String(cursor[0]), id: String(cursor[1]) } : null,
    );
    return toPage(rows, limit, (r) => [r.createdAt.toISOString(), r.id], toRefundType);
  }

  @Authorized()
  @Query(() => [RefundEventType], { description: 'The audit chain of a refund the caller may see.' })
  async refundEvents(
    @Arg('refundId', () => ID) refundId: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RefundEventType[]> {
    const refund = await this.refundService.get(refundId);
    const viewer = requireViewer(ctx);
    if (!refund || !mayView(viewer, refund)) return [];
    return (await this.refundService.events(refundId)).map((event) => toRefundEventType(event, viewer));
  }

  @FieldResolver(() => [RefundEventType])
  async events(@Root() refund: RefundType, @Ctx() ctx: GraphQLContext): Promise<RefundEventType[]> {
    const viewer = requireViewer(ctx);
    return (await this.refundService.events(refund.id)).map((event) => toRefundEventType(event, viewer));
  }

  @Authorized(Role.SUPPORT, Role.ADMIN, Role.SERVICE)
  @Mutation(() => RequestRefundPayload, {
    description:
      'Idempotent refund command: the same key and parameters return the same refund (replayed: true).',
  })
  async requestRefund(
    @Arg('input', () => RequestRefundInputType) input: RequestRefundInputType,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RequestRefundPayload> {
    const result = await this.refundService.requestRefund(
      {
        idempotencyKey: input.idempotencyKey,
        paymentId: input.paymentId,
        orderId: input.orderId,
        amount: fromMoneyInput(input.amount),
        reason: input.reason,
        liableParty: input.liableParty,
        caseId: input.caseId,
      },
      actorOf(ctx),
    );
    return Object.assign(new RequestRefundPayload(), {
      refund: toRefundType(result.refund),
      replayed: result.replayed,
    });
  }

  @Authorized(Role.SUPPORT, Role.ADMIN)
  @Mutation(() => RefundType, {
    description: 'Settle an ABNORMAL refund paid out by other means (SUCCEEDED, MANUAL).',
  })
  async settleRefundManually(
    @Arg('refundId', () => ID) refundId: string,
    @Arg('note', () => String) note: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RefundType> {
    return toRefundType(await this.refundService.settleManually(refundId, note, actorOf(ctx)));
  }

  @Authorized(Role.SUPPORT, Role.ADMIN)
  @Mutation(() => RefundType, { description: 'Close an ABNORMAL refund: the reservation is released.' })
  async closeRefund(
    @Arg('refundId', () => ID) refundId: string,
    @Arg('reason', () => String) reason: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RefundType> {
    return toRefundType(await this.refundService.closeRefund(refundId, reason, actorOf(ctx)));
  }
}

@Resolver(() => OrderType)
export class OrderRefundsResolver {
  constructor(private readonly refundService: RefundService) {}

  @FieldResolver(() => [RefundType])
  async refunds(@Root() order: OrderType): Promise<RefundType[]> {
    return (await this.refundService.list({ orderId: order.id }, { kind: 'ALL' }, 100, null)).map(
      toRefundType,
    );
  }
}

@Resolver(() => PaymentType)
export class PaymentRefundsResolver {
  constructor(private readonly refundService: RefundService) {}

  @FieldResolver(() => [RefundType])
  async refunds(@Root() payment: PaymentType): Promise<RefundType[]> {
    return (await this.refundService.list({ paymentId: payment.id }, { kind: 'ALL' }, 100, null)).map(
      toRefundType,
    );
  }
}
