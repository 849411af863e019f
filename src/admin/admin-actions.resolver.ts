import { Args, Authorized, Query, Resolver } from 'type-graphql';
import { Role } from '../auth/index.js';
import { decodeCursor, pageSize, toPage, type Page } from '../graphql/index.js';
import type { AdminActions } from '../audit/index.js';
import {
  AdminActionConnection,
  AdminActionsArgs,
  AdminActionType,
  toAdminActionType,
} from './admin-actions.types.js';

@Resolver()
export class AdminActionsResolver {
  constructor(private readonly actions: AdminActions) {}

  @Authorized(Role.ADMIN)
  @Query(() => AdminActionConnection, {
    description:
      'What support, finance and admins did (settlements, closures, decisions, resolutions, rule changes), newest first. ADMIN only.',
  })
  async adminActions(@Args(() => AdminActionsArgs) args: AdminActionsArgs): Promise<Page<AdminActionType>> {
    const limit = pageSize(args.first);
    const after = decodeCursor(args.after, 2);
    const f = args.filter ?? {};
    const views = await this.actions.list(
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
