/**
 * `npm run reconcile -- --provider wechatpay|alipay --date YYYY-MM-DD [--file PATH]`
 * Runs one reconciliation with a progress bar on stderr and prints a summary table. Exit status:
 * 0 no unresolved discrepancies, 1 unresolved discrepancies remain, 2 error, 3 the bill is not ready.
 * `--stats` also prints the run's wall time and the process's peak RSS (for bench:reconcile); `--explain`
 * the plans of the match's queries (EXPLAIN ANALYZE: the match runs twice).
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.js';
import { createOrm, startEmbeddedPostgres } from '../src/db/index.js';
import { entities } from '../src/entities.js';
import { LedgerService } from '../src/ledger/index.js';
import { createLogger } from '../src/logging/index.js';
import { NotificationsService } from '../src/notifications/index.js';
import { PaymentsService } from '../src/payments/index.js';
import { createProviders } from '../src/providers/index.js';
import { RefundService } from '../src/refunds/index.js';
import { DomainError } from '../src/errors/index.js';
import { formatTable, ProgressBar } from './recon.console.js';
import { RECON_PROVIDERS, type ReconProvider } from './recon.model.js';
import { ReconciliationService } from './recon.service.js';

const USAGE = 'usage: npm run reconcile -- --provider wechatpay|alipay --date YYYY-MM-DD [--file PATH]';

async function main(): Promise<number> {
  let values: { provider?: string; date?: string; file?: string; stats?: boolean; explain?: boolean };
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        provider: { type: 'string' },
        date: { type: 'string' },
        file: { type: 'string' },
        stats: { type: 'boolean' },
        explain: { type: 'boolean' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { provider, date: billDate } = values;
  if (!provider || !RECON_PROVIDERS.includes(provider as ReconProvider) || !billDate) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig(process.env);
  const logger = createLogger({ level: process.env['LOG_LEVEL'] === undefined ? 'warn' : config.logLevel });
  const embedded =
    config.database.url === undefined
      ? await startEmbeddedPostgres({
          dataDir: config.database.dataDir,
          port: config.database.embeddedPort,
          database: 'takeout_refunds',
          logger,
        })
      : undefined;
  const databaseUrl = config.database.url ?? embedded!.url;
  const orm = await createOrm({ url: databaseUrl, poolMax: 2, entities, logger });
  const bar = new ProgressBar(process.stderr);
  try {
    const ledger = new LedgerService(orm);
    const payments = new PaymentsService(orm, ledger);
    const service = new ReconciliationService({
      orm,
      databaseUrl,
      providers: createProviders(config.providers, {}, logger),
      ledger,
      payments,
      refunds: new RefundService(
        orm,
        ledger,
        new NotificationsService(orm, config.webhook, logger),
        payments,
      ),
      settings: config.reconciliation,
      logger,
    });
    const started = process.hrtime.bigint();
    // --stats: seconds from the start to each phase's first report.
    const phases: string[] = [];
    const outcome = await service.reconcile({
      provider: provider as ReconProvider,
      billDate,
      trigger: 'CLI',
      actor: { id: `cli:${process.env['USER'] ?? 'finance'}`, role: 'FINANCE' },
      filePath: values.file,
      onProgress: (phase, rows) => {
        if (values.stats === true && !phases.some((p) => p.startsWith(`${phase}@`)))
          phases.push(
            `${phase}@${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(2)}/${Math.round(process.memoryUsage().heapUsed / 2 ** 20)}MB`,
          );
        bar.update(phase, rows);
      },
      onPlan: values.explain === true ? (plan) => process.stderr.write(`\n${plan}\n`) : undefined,
    });
    bar.done();
    if (values.stats === true) {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const maxRssMb = process.resourceUsage().maxRSS / 1024;
      process.stderr.write(
        `stats seconds=${seconds.toFixed(3)} maxRssMb=${maxRssMb.toFixed(1)} phases=${phases.join(',')}\n`,
      );
    }
    if (outcome.status === 'NOT_READY') {
      process.stdout.write(`${provider} bill of ${billDate} is not ready yet: try again later\n`);
      return 3;
    }
    const run = await service.queries.requireRun(outcome.runId);
    process.stdout.write(formatTable(run, await service.queries.categories(run.id)));
    return outcome.unresolved > 0 ? 1 : 0;
  } catch (error) {
    bar.done();
    const message = error instanceof DomainError ? `${error.code}: ${error.message}` : String(error);
    process.stderr.write(`reconciliation failed: ${message}\n`);
    return 2;
  } finally {
    await orm.close(true);
    await embedded?.stop();
  }
}

process.exitCode = await main();
