/**
 * The nightly schedule: a pg-boss cron (fires once across all workers) queues one job per provider for
 * the previous Asia/Shanghai day, singleton per (provider, date). A bill that is not ready yet fails the
 * job, so pg-boss retries it (RECON_NOT_READY_RETRY_S apart, RECON_NOT_READY_RETRY_LIMIT times).
 */
import type { Job } from 'pg-boss';
import type { Actor } from '../src/audit/index.js';
import type { JobDefinition, JobQueue } from '../src/jobs/index.js';
import type { Logger } from '../src/logging/index.js';
import type { ProviderRegistry } from '../src/providers/index.js';
import { addDays, channelOf, RECON_PROVIDERS, shanghaiDate, type ReconProvider } from './recon.model.js';
import type { ReconciliationService } from './recon.service.js';

export const RECONCILE_NIGHTLY = 'reconcile-nightly';
export const RECONCILE_DAY = 'reconcile-day';

const SCHEDULER: Actor = { id: 'system:reconciliation', role: 'SYSTEM' };

export interface ReconJobSettings {
  readonly cron: string;
  readonly cronTz: string;
  readonly notReadyRetrySeconds: number;
  readonly notReadyRetryLimit: number;
}

interface DayJob {
  readonly provider: ReconProvider;
  readonly billDate: string;
}

/** The providers with an adapter: the ones the schedule reconciles. */
export function configuredReconProviders(providers: ProviderRegistry): ReconProvider[] {
  return RECON_PROVIDERS.filter((p) => providers.has(channelOf(p)));
}

export class BillNotReadyError extends Error {
  override name = 'BillNotReadyError';
}

export function reconJobDefinitions(
  service: ReconciliationService,
  jobs: Pick<JobQueue, 'send'>,
  providers: readonly ReconProvider[],
  settings: ReconJobSettings,
  logger: Logger,
  now: () => Date = () => new Date(),
): JobDefinition[] {
  const log = logger.child({ component: 'reconciliation-jobs' });
  const nightly: JobDefinition = {
    name: RECONCILE_NIGHTLY,
    cron: settings.cron,
    cronTz: settings.cronTz,
    queue: { retryLimit: 3, retryDelay: 60 },
    handle: async () => {
      const billDate = addDays(shanghaiDate(now()), -1);
      for (const provider of providers) {
        await jobs.send(
          RECONCILE_DAY,
          { provider, billDate },
          {
            singletonKey: `${provider}:${billDate}`,
            retryLimit: settings.notReadyRetryLimit,
            retryDelay: settings.notReadyRetrySeconds,
          },
        );
      }
      log.info({ billDate, providers }, 'nightly reconciliation queued');
    },
  };
  const day: JobDefinition<DayJob> = {
    name: RECONCILE_DAY,
    queue: {
      retryLimit: settings.notReadyRetryLimit,
      retryDelay: settings.notReadyRetrySeconds,
      retryBackoff: false,
    },
    work: { batchSize: 1, localConcurrency: 1 },
    handle: async (job: Job<DayJob>) => {
      const { provider, billDate } = job.data;
      const outcome = await service.reconcile({ provider, billDate, trigger: 'SCHEDULE', actor: SCHEDULER });
      if (outcome.status === 'NOT_READY')
        throw new BillNotReadyError(`${provider} bill of ${billDate} not ready yet`);
    },
  };
  return [nightly, day as unknown as JobDefinition];
}
