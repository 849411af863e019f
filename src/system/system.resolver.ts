import { Authorized, Query, Resolver } from 'type-graphql';
import { Role } from '../auth/index.js';
import { QueueStatusType, SystemStatusType } from './system.types.js';
import type { SystemService } from './system.service.js';

@Resolver()
export class SystemResolver {
  constructor(private readonly systemService: SystemService) {}

  @Authorized(Role.ADMIN)
  @Query(() => SystemStatusType)
  async systemStatus(): Promise<SystemStatusType> {
    const status = await this.systemService.status();
    return Object.assign(new SystemStatusType(), {
      appliedMigrations: [...status.appliedMigrations],
      pendingMigrations: [...status.pendingMigrations],
      queues: status.queues.map((q) => Object.assign(new QueueStatusType(), q)),
    });
  }
}
