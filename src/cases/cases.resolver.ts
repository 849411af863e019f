import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../auth/index.js';
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
import type { ReportCaseInput } from './cases.model.js';
import { mayViewCase } from './cases.service.js';
import {
  CaseConnection,
  CaseType,
  MyCasesArgs,
  OpenCaseOnBehalfInputType,
  ReportCaseInputType,
  toCaseType,
} from './cases.types.js';

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
  @Authorized(Role.CUSTOMER)
  @Mutation(() => CaseType, { description: 'Report a problem with one of your orders.' })
  async reportCase(
    @Arg('input', () => ReportCaseInputType) input: ReportCaseInputType,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CaseType> {
    const view = await ctx.services.cases.report(reportInput(input), actorOf(ctx));
    return toCaseType(view, requireViewer(ctx));
  }

  @Authorized(Role.SUPPORT)
  @Mutation(() => CaseType, { description: 'Open a case for a customer who called the hotline.' })
  async openCaseOnBehalf(
    @Arg('input', () => OpenCaseOnBehalfInputType) input: OpenCaseOnBehalfInputType,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CaseType> {
    const view = await ctx.services.cases.openOnBehalf(reportInput(input), input.customerId, actorOf(ctx));
    return toCaseType(view, requireViewer(ctx));
  }

  @Authorized()
  @Query(() => CaseType, { nullable: true, description: 'A case the caller may see (null otherwise).' })
  async case(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<CaseType | null> {
    const viewer = requireViewer(ctx);
    const view = await ctx.services.cases.get(id);
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
    const rows = await ctx.services.cases.listForCustomer(
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
}
