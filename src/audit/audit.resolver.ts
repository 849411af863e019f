import { Args, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { Role } from '../auth/index.js';
import { decodeCursor, pageSize, toPage, type GraphQLContext, type Page } from '../graphql/index.js';
import {
  AdminActionConnection,
  AdminActionsArgs,
  AdminActionType,
  toAdminActionType,
} from './audit.types.js';

@Resolver()
export class AuditResolver {
  @Authorized(Role.ADMIN)
  @Query(() => AdminActionConnection, {
    description:
      'What support, finance and admins did (settlements, closures, decisions, resolutions, rule changes), newest first. ADMIN only.',
  })
  async adminActions(
    @Args(() => AdminActionsArgs) args: AdminActionsArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Page<AdminActionType>> {
    const limit = pageSize(args.first);
    const after = decodeCursor(args.after, 2);
    const f = args.filter ?? {};
    const views = await ctx.services.adminActions.list(
      {
        actorId: f.actorId ?? undefined,
        action: f.action ?? undefined,
        from: f.from ?? undefined,
        to: f.to ?? undefined,
      },
      limit + 1,
      after === null ? null : { occurredAt: String(after[0]), id: String(after[1]) },
    );
    return toPage(views, limit, (v) => [v.position.occurredAt, v.position.id], toAdminActionType);
  }
}
