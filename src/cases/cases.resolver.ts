import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { InputError } from '../errors/index.js';
import { Role } from '../auth/index.js';
import {
  actorOf,
  decodeCursor,
  listFirst,
  pageSize,
  requireViewer,
  toPage,
  type GraphQLContext,
  type Page,
} from '../graphql/index.js';
import { fromMoneyInput } from '../money/index.js';
import type { DecisionResult, ReportCaseInput } from './cases.model.js';
import { mayViewCase } from './cases.service.js';
import {
  CaseConnection,
  CaseType,
  CouponRedemptionType,
  toCouponRedemptionType,
  DecideCaseInputType,
  DecideCasePayload,
  DecisionType,
  RedeliveryType,
  toDecisionType,
  MyCasesArgs,
  OpenCaseOnBehalfInputType,
  ReportCaseInputType,
  toCaseType,
} from './cases.types.js';
import type { CasesService } from './cases.service.js';

function toPayload(result: DecisionResult, ctx: GraphQLContext): DecideCasePayload {
  const viewer = requireViewer(ctx);
  return Object.assign(new DecideCasePayload(), {
    case: toCaseType(result.case, viewer),
    decision: toDecisionType(result.decision, viewer),
    replayed: result.replayed,
  });
}

function reportInput(input: ReportCaseInputType): ReportCaseInput {
  return {
    orderId: input.orderId,
    type: input.type,
    description: input.description,
    evidence: input.evidence ?? [],
    remedy: input.remedy,
    amount: input.amount ? fromMoneyInput(input.amount) : null,
  };
}

@Resolver(() => CaseType)
export class CasesResolver {
  constructor(private readonly casesService: CasesService) {}

  @Authorized(Role.CUSTOMER)
  @Mutation(() => CaseType, { description: 'Report a problem with one of your orders.' })
  async reportCase(
    @Arg('input', () => ReportCaseInputType) input: ReportCaseInputType,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CaseType> {
    const view = await this.casesService.report(reportInput(input), actorOf(ctx));
    return toCaseType(view, requireViewer(ctx));
  }

  @Authorized(Role.SUPPORT)
  @Mutation(() => CaseType, { description: 'Open a case for a customer who called the hotline.' })
  async openCaseOnBehalf(
    @Arg('input', () => OpenCaseOnBehalfInputType) input: OpenCaseOnBehalfInputType,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CaseType> {
    const view = await this.casesService.openOnBehalf(reportInput(input), input.customerId, actorOf(ctx));
    return toCaseType(view, requireViewer(ctx));
  }

  @Authorized()
  @Query(() => CaseType, { nullable: true, description: 'A case the caller may see (null otherwise).' })
  async case(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<CaseType | null> {
    const viewer = requireViewer(ctx);
    const view = await this.casesService.get(id);
    return view && mayViewCase(viewer, view) ? toCaseType(view, viewer) : null;
  }

  @Authorized(Role.CUSTOMER)
  @Query(() => CaseConnection, { description: 'Your cases, newest first.' })
  async myCases(
    @Args(() => MyCasesArgs) args: MyCasesArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Page<CaseType>> {
    const viewer = requireViewer(ctx);
    const limit = pageSize(args.first);
    const cursor = decodeCursor(args.after, 2);
    const rows = await this.casesService.listForCustomer(
      viewer.subject,
      limit + 1,
      cursor ? { createdAt: String(cursor[0]), id: String(cursor[1]) } : null,
    );
    return toPage(
      rows,
      limit,
      (r) => [r.createdAt.toISOString(), r.id],
      (r) => toCaseType(r, viewer),
    );
  }

  @Authorized(Role.SUPPORT)
  @Mutation(() => DecideCasePayload, {
    description:
      'Decide a case in review. Refunds execute at once (idempotently: a resubmitted decision pays once); ' +
      'COUPON and REDELIVERY wait for the customer; REJECT resolves.',
  })
  async decideCase(
    @Arg('input', () => DecideCaseInputType) input: DecideCaseInputType,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DecideCasePayload> {
    const result = await this.casesService.decide(
      {
        caseId: input.caseId,
        kind: input.kind,
        amount: input.amount ? fromMoneyInput(input.amount) : null,
        liable: input.liableParty,
        note: input.note,
      },
      actorOf(ctx),
    );
    return toPayload(result, ctx);
  }

  @Authorized(Role.CUSTOMER)
  @Mutation(() => DecideCasePayload, {
    description:
      'Accept or decline the COUPON or REDELIVERY proposed on your case (declining returns it to review).',
  })
  async respondToCaseProposal(
    @Arg('caseId', () => ID) caseId: string,
    @Arg('accept', () => Boolean) accept: boolean,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DecideCasePayload> {
    return toPayload(await this.casesService.respond(caseId, accept, actorOf(ctx)), ctx);
  }

  @FieldResolver(() => [DecisionType], { description: 'Every decision on the case, first first.' })
  async decisions(
    @Root() root: CaseType,
    @Arg('first', () => Int, listFirst(20)) first: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DecisionType[]> {
    const viewer = requireViewer(ctx);
    const limit = pageSize(first);
    return (await this.casesService.decisionsOf(root.id, limit)).map((d) => toDecisionType(d, viewer));
  }

  @Authorized(Role.SERVICE)
  @Mutation(() => CouponRedemptionType, {
    description:
      'Redeem a case coupon on an order (order system). Once: the same order again gets the same answer ' +
      '(replayed), another order COUPON_ALREADY_REDEEMED, an unknown code COUPON_NOT_FOUND.',
  })
  async redeemCaseCoupon(
    @Arg('code', () => String) code: string,
    @Arg('orderId', () => ID) orderId: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CouponRedemptionType> {
    return toCouponRedemptionType(await this.casesService.coupons.redeem(code, orderId, actorOf(ctx)));
  }

  @Authorized(Role.SERVICE)
  @Query(() => [RedeliveryType], {
    description: 'Redeliveries decided on cases, oldest first (order system).',
  })
  async redeliveries(
    @Arg('after', () => ID, { nullable: true }) after: string | null | undefined,
    @Arg('first', () => Int, { nullable: true }) first: number | null | undefined,
  ): Promise<RedeliveryType[]> {
    if (after !== null && after !== undefined && !/^\d{1,18}$/.test(after))
      throw new InputError('after is not a redelivery id', 'after');
    const rows = await this.casesService.redeliveries(after ?? null, pageSize(first, 500));
    return rows.map((r) => Object.assign(new RedeliveryType(), r));
  }
}
