import { context } from '@opentelemetry/api';
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
import { listenKeepingErrorListeners } from './listen.js';
import { queuedContext, withTraceContext } from './trace-context.js';

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
  /**
   * Connects, installs or checks pg-boss's schema; on the worker role also starts its supervision.
   * Given definitions, also `createQueues` them, with their read sent beside pg-boss's start.
   */
  start(definitions?: readonly JobDefinition[]): Promise<void>;
  /** Creates the queues; on the worker role also starts working them and schedules their crons. */
  register(definitions: readonly JobDefinition[]): Promise<void>;
  /** `register`'s first half: what the api needs to send (the queues, with their settings). */
  createQueues(definitions: readonly JobDefinition[]): Promise<void>;
  /** `register`'s second half, worker role only (else nothing): the workers and the cron schedules. */
  startWorkers(definitions: readonly JobDefinition[]): Promise<void>;
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
export async function startJobQueue(options: JobQueueOptions): Promise<JobQueue> {
  const queue = createJobQueue(options);
  await queue.start();
  await queue.register(options.definitions ?? []);
  return queue;
}

export interface JobQueueOptions {
  readonly url: string;
  readonly role: 'api' | 'worker';
  readonly definitions?: readonly JobDefinition[];
  readonly logger: Logger;
  readonly poolMax?: number;
}

/** `startJobQueue` without the start: nothing connects until `start()` (the service builds it while PostgreSQL boots). */
export function createJobQueue(options: JobQueueOptions): JobQueue {
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
  // Its LISTEN connection is ours: pg-boss's own could end the process when it stopped during a
  // database restart (see listen.ts). The adapter is pg-boss's; `listen` is a capability it documents.
  boss.getDb().listen = listenKeepingErrorListeners({
    connection: {
      connectionString: config.connectionString,
      application_name: config.application_name,
      connectionTimeoutMillis: 10_000,
    },
    onError,
  });
  boss.on('error', onError);
  boss.on('warning', (warning: unknown) => log.warn({ warning }, 'job queue warning'));
  const readQueues = (definitions: readonly JobDefinition[]) =>
    boss.getQueues(definitions.map((d) => d.name));
  /**
   * Creates missing queues and brings changed settings up to date; one read when nothing changed
   * (none when the caller read them already: `read`).
   */
  const createQueues = async (
    definitions: readonly JobDefinition[],
    read?: Awaited<ReturnType<typeof readQueues>>,
  ): Promise<void> => {
    if (definitions.length === 0) return;
    const existing = new Map((read ?? (await readQueues(definitions))).map((queue) => [queue.name, queue]));
    for (const definition of definitions) {
      const queue = existing.get(definition.name);
      if (queue === undefined) await boss.createQueue(definition.name, { notify: true, ...definition.queue });
      // createQueue leaves a queue created meanwhile as it was; bring its settings up to date.
      const wanted = { notify: true, ...updatable(definition.queue) };
      if (queue === undefined || !settingsMatch(queue, wanted))
        await boss.updateQueue(definition.name, wanted);
    }
  };
  /** Worker role: works the queues and schedules their crons (a schedule that did not change is left). */
  const startWorkers = async (definitions: readonly JobDefinition[]): Promise<void> => {
    if (!worker) return;
    const schedules = new Map(
      (await boss.getSchedules()).filter((s) => s.key === '').map((s) => [s.name, s]),
    );
    // Independent queues: their workers start together.
    const startOne = async (definition: JobDefinition): Promise<void> => {
      const work: WorkOptions & { perJobResults: true } = {
        ...WORK_DEFAULTS,
        ...definition.work,
        perJobResults: true,
      };
      await boss.work<object, unknown, typeof work>(definition.name, work, async (jobs) => {
        // Jobs of a batch run concurrently and settle one by one: one job's failure (and retry)
        // never re-runs the others.
        const outcomes = await Promise.allSettled(
          jobs.map((job) => {
            const run = () =>
              withSpan(`job ${definition.name}`, { 'job.queue': definition.name, 'job.id': job.id }, () =>
                definition.handle(job),
              );
            // A job queued inside a traced operation is that operation's child: one trace from the
            // request to the provider call, however late the job runs (a retry is another child).
            const queued = queuedContext(job.data);
            return queued === undefined ? run() : context.with(queued, run);
          }),
        );
        return outcomes.map((outcome, i) => ({
          id: jobs[i]!.id,
          status: outcome.status === 'fulfilled' ? ('completed' as const) : ('failed' as const),
          output: outcome.status === 'rejected' ? { message: errorMessage(outcome.reason) } : undefined,
        }));
      });
      if (definition.cron === undefined) return;
      const tz = definition.cronTz ?? 'Asia/Shanghai';
      const scheduled = schedules.get(definition.name);
      if (scheduled?.cron !== definition.cron || scheduled.timezone !== tz) {
        await boss.schedule(definition.name, definition.cron, {}, { tz });
      }
    };
    await Promise.all(definitions.map(startOne));
    log.info({ role: options.role, queues: definitions.map((d) => d.name) }, 'job queues registered');
  };
  const register = async (definitions: readonly JobDefinition[]): Promise<void> => {
    await createQueues(definitions);
    await startWorkers(definitions);
  };
  return {
    boss,
    start: async (definitions = []) => {
      const starting = boss.start();
      // pg-boss's start sends its statements one after another. Reading the queues needs only its
      // pool, open once start() is called, so the read goes beside them on a second connection. A
      // read that fails (the schema not installed yet) is done again after the start.
      const read = definitions.length === 0 ? undefined : readQueues(definitions).catch(() => undefined);
      await starting;
      await createQueues(definitions, await read);
    },
    register,
    createQueues,
    startWorkers,
    send: (name, data, sendOptions) => boss.send(name, withTraceContext(data), sendOptions ?? {}),
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
