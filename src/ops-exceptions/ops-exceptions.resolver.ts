import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../auth/index.js';
import { actorOf, decodeCursor, pageSize, toPage, type GraphQLContext, type Page } from '../graphql/index.js';
import {
  OpsExceptionConnection,
  OpsExceptionsArgs,
  OpsExceptionType,
  toOpsExceptionType,
} from './ops-exceptions.types.js';
import type { OpsExceptionsService } from './ops-exceptions.service.js';

/** Support and finance work the exception queue; admins see it too. */
const EXCEPTION_HANDLERS = [Role.SUPPORT, Role.FINANCE, Role.ADMIN];

@Resolver()
export class OpsExceptionsResolver {
  constructor(private readonly opsExceptionsService: OpsExceptionsService) {}

  @Authorized(...EXCEPTION_HANDLERS)
  @Query(() => OpsExceptionConnection, { description: 'Operational exceptions, newest first.' })
  async opsExceptions(
    @Args(() => OpsExceptionsArgs) args: OpsExceptionsArgs,
  ): Promise<Page<OpsExceptionType>> {
    const limit = pageSize(args.first);
    const after = decodeCursor(args.after, 1);
    const views = await this.opsExceptionsService.list(
      args.filter ?? {},
      limit + 1,
      after === null ? null : String(after[0]),
    );
    return toPage(views, limit, (v) => [v.id], toOpsExceptionType);
  }

  @Authorized(...EXCEPTION_HANDLERS)
  @Mutation(() => OpsExceptionType, {
    description: 'Marks an exception handled, with what was done (audited).',
  })
  async resolveOpsException(
    @Arg('id', () => ID) id: string,
    @Arg('resolution', () => String) resolution: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OpsExceptionType> {
    return toOpsExceptionType(await this.opsExceptionsService.resolve(id, resolution, actorOf(ctx)));
  }
}
