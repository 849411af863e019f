import type { Orm } from '../db/index.js';
import { pendingMigrations } from '../db/index.js';
import type { JobQueue } from '../jobs/index.js';

export interface QueueStatus {
  readonly name: string;
  readonly queued: number;
  readonly active: number;
  readonly deferred: number;
}

export interface SystemStatus {
  readonly appliedMigrations: readonly string[];
  readonly pendingMigrations: readonly string[];
  readonly queues: readonly QueueStatus[];
}

/** Operational facts for administrators: schema version and job backlog. */
export class SystemService {
  constructor(
    private readonly orm: Orm,
    private readonly jobs: JobQueue,
  ) {}

  async status(): Promise<SystemStatus> {
    const executed = await this.orm.migrator.getExecuted();
    const queues = await this.jobs.boss.getQueues();
    return {
      appliedMigrations: executed.map((m) => m.name),
      pendingMigrations: await pendingMigrations(this.orm),
      queues: queues.map((q) => ({
        name: q.name,
        queued: q.queuedCount ?? 0,
        active: q.activeCount ?? 0,
        deferred: q.deferredCount ?? 0,
      })),
    };
  }
}
