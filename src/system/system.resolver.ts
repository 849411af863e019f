import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { Role } from '../auth/index.js';
import type { GraphQLContext } from '../graphql/index.js';
import { QueueStatusType, SystemStatusType } from './system.types.js';

@Resolver()
export class SystemResolver {
  @Authorized(Role.ADMIN)
  @Query(() => SystemStatusType)
  async systemStatus(@Ctx() ctx: GraphQLContext): Promise<SystemStatusType> {
    const status = await ctx.services.system.status();
    return Object.assign(new SystemStatusType(), {
      appliedMigrations: [...status.appliedMigrations],
      pendingMigrations: [...status.pendingMigrations],
      queues: status.queues.map((q) => Object.assign(new QueueStatusType(), q)),
    });
  }
}
