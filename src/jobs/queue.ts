import {
  PgBoss,
  type ConstructorOptions,
  type Job,
  type Queue,
  type SendOptions,
  type WorkOptions,
} from 'pg-boss';
import { errorBrief, type Logger } from '../logging/index.js';
import { withSpan } from '../tracing/index.js';
import { HotStatementsClient } from './hot-statements.js';

export const JOB_SCHEMA = 'pgboss';

/** A job type a module contributes: its queue settings, its handler, and an optional cron schedule. */
export interface JobDefinition<T extends object = object> {
  readonly name: string;
  readonly queue?: Omit<Queue, 'name'>;
  /** Overrides of WORK_DEFAULTS (batching, polling, local concurrency). */
  readonly work?: Omit<WorkOptions, 'perJobResults' | 'transactional'>;
  /** Cron (in `cronTz`, default Asia/Shanghai); pg-boss makes it fire once across all workers. */
  readonly cron?: string;
  readonly cronTz?: string;
  readonly handle: (job: Job<T>) => Promise<void>;
}

function updatable(queue: JobDefinition['queue']): Record<string, unknown> {
  const { retryLimit, retryDelay, retryBackoff, expireInSeconds, retentionSeconds, deleteAfterSeconds } =
    queue ?? {};
  return Object.fromEntries(
    Object.entries({
      retryLimit,
      retryDelay,
      retryBackoff,
      expireInSeconds,
      retentionSeconds,
      deleteAfterSeconds,
    }).filter(([, v]) => v !== undefined),
  );
}

/**
 * A worker fetches up to 8 jobs, runs them together, and fetches again at once while batches come back
 * full. NOTIFY wakes an idle worker immediately; a wake-up that arrives mid-batch is not queued by
 * pg-boss, so several local workers share a queue and idle polling stays short as the floor.
 */
const WORK_DEFAULTS: WorkOptions = {
  batchSize: 8,
  burstWhenBatchFull: true,
  // Several local workers per queue, so a NOTIFY usually finds one idle.
  localConcurrency: 4,
  pollingIntervalSeconds: 0.5,
  notifyPollingIntervalSeconds: 1,
};

/** Whether a queue as pg-boss reads it back already has every setting `wanted` gives. */
function settingsMatch(queue: object, wanted: Record<string, unknown>): boolean {
  const current = queue as Record<string, unknown>;
  return Object.entries(wanted).every(([key, value]) => current[key] === value);
}

function errorMessage(reason: unknown): string {
  return reason instanceof Error ? `${reason.name}: ${reason.message}`.slice(0, 500) : 'job failed';
}

export interface JobQueue {
  readonly boss: PgBoss;
  /** Creates the queues; on the worker role also starts working them and schedules their crons. */
  register(definitions: readonly JobDefinition[]): Promise<void>;
  send<T extends object>(name: string, data: T, options?: SendOptions): Promise<string | null>;
  /** Jobs due and not yet started, per queue, with the age of the oldest (seconds since it was due). */
  waiting(): Promise<{ queue: string; waiting: number; oldestSeconds: number }[]>;
  readonly stop: () => Promise<void>;
}

/**
 * pg-boss on the application's own PostgreSQL, so "state changed" and "job queued" can commit in one
 * transaction (transactional outbox, no home-made queue). The api role only sends; the worker role also
 * supervises (maintenance), runs cron schedules and works the queues.
 */
export async function startJobQueue(options: {
  url: string;
  role: 'api' | 'worker';
  definitions?: readonly JobDefinition[];
  logger: Logger;
  poolMax?: number;
}): Promise<JobQueue> {
  const log = options.logger.child({ component: 'jobs' });
  const worker = options.role === 'worker';
  // Connections that drop once the queue is stopping are its own teardown (or PostgreSQL stopping after
  // it), not a fault worth an error line. Code and message only: pg-boss's errors carry the client.
  let stopping = false;
  const onError = (error: unknown) =>
    stopping
      ? log.debug({ error: errorBrief(error) }, 'job queue connection closed while stopping')
      : log.error({ error: errorBrief(error) }, 'job queue error');
  const config: ConstructorOptions & {
    Client: typeof HotStatementsClient;
    onConnectionError: (error: Error) => void;
  } = {
    // pg-boss hands its options to pg's pool, which builds its connections from this class.
    Client: HotStatementsClient,
    onConnectionError: onError,
    connectionString: options.url,
    schema: JOB_SCHEMA,
    max: options.poolMax ?? (worker ? 12 : 4),
    application_name: `takeout-refunds-${options.role}`,
    supervise: worker,
    schedule: worker,
    migrate: true,
    // Workers are woken by NOTIFY when a job commits, instead of waiting for their next poll.
    useListenNotify: worker,
  };
  const boss = new PgBoss(config);
  boss.on('error', onError);
  boss.on('warning', (warning: unknown) => log.warn({ warning }, 'job queue warning'));
  await boss.start();
  const register = async (definitions: readonly JobDefinition[]): Promise<void> => {
    if (definitions.length === 0) return;
    // One read of what exists; only queues missing or set otherwise are written (a restart writes nothing).
    const existing = new Map(
      (await boss.getQueues(definitions.map((d) => d.name))).map((queue) => [queue.name, queue]),
    );
    for (const definition of definitions) {
      const queue = existing.get(definition.name);
      if (queue === undefined) await boss.createQueue(definition.name, { notify: true, ...definition.queue });
      // createQueue leaves a queue created meanwhile as it was; bring its settings up to date.
      const wanted = { notify: true, ...updatable(definition.queue) };
      if (queue === undefined || !settingsMatch(queue, wanted))
        await boss.updateQueue(definition.name, wanted);
    }
    if (!worker) return;
    // Independent queues: their workers start together.
    await Promise.all(definitions.map((definition) => startWorking(definition)));
    log.info({ role: options.role, queues: definitions.map((d) => d.name) }, 'job queues registered');
  };
  const startWorking = async (definition: JobDefinition): Promise<void> => {
    const work: WorkOptions & { perJobResults: true } = {
      ...WORK_DEFAULTS,
      ...definition.work,
      perJobResults: true,
    };
    await boss.work<object, unknown, typeof work>(definition.name, work, async (jobs) => {
      // Jobs of a batch run concurrently and settle one by one: one job's failure (and retry)
      // never re-runs the others.
      const outcomes = await Promise.allSettled(
        jobs.map((job) =>
          withSpan(`job ${definition.name}`, { 'job.queue': definition.name, 'job.id': job.id }, () =>
            definition.handle(job),
          ),
        ),
      );
      return outcomes.map((outcome, i) => ({
        id: jobs[i]!.id,
        status: outcome.status === 'fulfilled' ? ('completed' as const) : ('failed' as const),
        output: outcome.status === 'rejected' ? { message: errorMessage(outcome.reason) } : undefined,
      }));
    });
    if (definition.cron)
      await boss.schedule(definition.name, definition.cron, {}, { tz: definition.cronTz ?? 'Asia/Shanghai' });
  };
  await register(options.definitions ?? []);
  return {
    boss,
    register,
    send: (name, data, sendOptions) => boss.send(name, data, sendOptions ?? {}),
    waiting: async () => {
      const result = await boss.getDb().executeSql(
        `select name as queue, count(*)::int as waiting,
                coalesce(extract(epoch from now() - min(start_after)), 0)::float8 as "oldestSeconds"
           from ${JOB_SCHEMA}.job where state in ('created', 'retry') and start_after <= now() group by name`,
        [],
      );
      return result.rows as { queue: string; waiting: number; oldestSeconds: number }[];
    },
    stop: async () => {
      stopping = true;
      await boss.stop({ graceful: true, close: true, timeout: 10_000 });
      log.info('job queue stopped');
    },
  };
}
