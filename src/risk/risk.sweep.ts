import type { Job } from 'pg-boss';
import { CLAIMING_ACTIVE_CUSTOMERS_SQL } from '../cases/index.js';
import { sqlOnPool, type Orm, type Sql } from '../db/index.js';
import type { JobDefinition } from '../jobs/index.js';
import type { Logger } from '../logging/index.js';
import { REFUND_ACTIVE_CUSTOMERS_SQL } from '../refunds/index.js';
import { raiseFiring, readCustomerFigures } from './risk.evaluate.js';
import { draftsOf, raiseFlags, type FlagDraft } from './risk.flags.js';
import { readPlatformFigures } from './risk.platform.js';
import type { ActiveRule } from './risk.rules-store.js';
import type { RiskService } from './risk.service.js';

export const RISK_SWEEP = 'risk.sweep';

export interface SweepResult {
  readonly runKey: string;
  /** False when another worker has (or had) this run. */
  readonly ran: boolean;
  readonly customers: number;
  readonly raised: number;
  readonly expired: number;
}

/**
 * The customers a sweep re-evaluates, a page at a time after a keyset (`$1` the evaluation time, `$2`
 * the last customer of the previous page, `$3` the page size): everyone with a refund in the last 90 days
 * (the refund rules' longest window; a shared-payer cluster's members are refunding customers) or a claim
 * in the last 30 days (the claim rules'). Every customer rule needs one or the other to fire: orders and
 * payers alone raise nothing. Each side is its owning module's keyset over its customer index.
 */
export const SWEEP_CUSTOMERS_SQL = `
  select a.customer_id
    from ((${REFUND_ACTIVE_CUSTOMERS_SQL}) union (${CLAIMING_ACTIVE_CUSTOMERS_SQL})) as a
   order by a.customer_id
   limit $3::int`;

/** A run that started this long ago and never finished (its worker died) may be taken over. */
const STALE_RUN = '1 hour';

/** The business date in Asia/Shanghai, `YYYY-MM-DD`: one sweep per day. */
export function shanghaiDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/**
 * The nightly sweep: expires flags whose window has passed (kept as history), re-evaluates every
 * customer active in the rules' windows (`SWEEP_CUSTOMERS_SQL`: a refund in 90 days or a claim in 30)
 * page by page (keyset over the refunds' and cases' customer indexes, one figures statement and one
 * insert per page, so memory stays flat), then merchants' and riders'
 * claim rates. A run is claimed by its key in `risk_sweep_run`, so it runs once however many workers
 * the cron (or a retry) starts.
 */
export class RiskSweep {
  constructor(
    private readonly orm: Orm,
    private readonly risk: RiskService,
    private readonly settings: { readonly cron: string; readonly batch: number },
    private readonly logger: Logger,
  ) {}

  jobDefinitions(): JobDefinition[] {
    return [
      {
        name: RISK_SWEEP,
        cron: this.settings.cron,
        queue: { retryLimit: 3, retryDelay: 300, expireInSeconds: 4 * 3600 },
        work: { batchSize: 1, localConcurrency: 1 },
        handle: async (_job: Job<object>) => {
          await this.run();
        },
      },
    ];
  }

  async run(options: { asOf?: Date; runKey?: string } = {}): Promise<SweepResult> {
    const asOf = options.asOf ?? new Date();
    const runKey = options.runKey ?? shanghaiDate(asOf);
    const sql = sqlOnPool(this.orm);
    const claimed = await sql.rows<{ run_key: string }>(
      `insert into risk_sweep_run (run_key, as_of) values ($1, $2)
       on conflict (run_key) do update set started_at = now(), as_of = excluded.as_of
        where risk_sweep_run.finished_at is null and risk_sweep_run.started_at < now() - interval '${STALE_RUN}'
       returning run_key`,
      [runKey, asOf],
    );
    if (claimed.length === 0) return { runKey, ran: false, customers: 0, raised: 0, expired: 0 };
    const started = Date.now();
    const expired = await this.expire(sql, asOf);
    const rules = [...(await this.risk.rules.current()).values()];
    const customers = await this.customers(sql, asOf, rules, runKey);
    const platform = await this.platform(sql, asOf, rules, runKey);
    const raised = customers.raised + platform;
    await sql.rows(
      `update risk_sweep_run set finished_at = now(), customers = $2, raised = $3, expired = $4 where run_key = $1`,
      [runKey, customers.count, raised, expired],
    );
    this.logger.info(
      { runKey, customers: customers.count, raised, expired, ms: Date.now() - started },
      'risk sweep finished',
    );
    return { runKey, ran: true, customers: customers.count, raised, expired };
  }

  private async expire(sql: Sql, asOf: Date): Promise<number> {
    const rows = await sql.rows(
      `update risk_flag set status = 'EXPIRED', active_key = null, expired_at = now()
        where status = 'ACTIVE' and expires_at <= $1
        returning id`,
      [asOf],
    );
    return rows.length;
  }

  private async customers(
    sql: Sql,
    asOf: Date,
    rules: readonly ActiveRule[],
    runKey: string,
  ): Promise<{ count: number; raised: number }> {
    let after = '';
    let count = 0;
    let raised = 0;
    for (;;) {
      const page = await sql.prepared<{ customer_id: string }>(SWEEP_CUSTOMERS_SQL, [
        asOf,
        after,
        this.settings.batch,
      ]);
      if (page.length === 0) break;
      const ids = page.map((r) => r.customer_id);
      const currency = this.risk.settings.currency;
      const query = { customerIds: ids, asOf, currency, evidence: false, rules };
      const figures = await readCustomerFigures(sql, query);
      const at = { asOf, trigger: 'SWEEP' as const, triggerSubjectId: runKey };
      raised += (await raiseFiring(sql, figures, rules, at, currency)).length;
      count += ids.length;
      after = ids[ids.length - 1]!;
    }
    return { count, raised };
  }

  private async platform(
    sql: Sql,
    asOf: Date,
    rules: readonly ActiveRule[],
    runKey: string,
  ): Promise<number> {
    const platformRules = rules.filter((a) => a.rule.kind === 'PLATFORM' && a.version.mode !== 'OFF');
    if (platformRules.length === 0) return 0;
    const drafts: FlagDraft[] = [];
    for (const figures of await readPlatformFigures(sql, asOf)) {
      for (const active of platformRules) {
        if (active.rule.kind !== 'PLATFORM' || active.rule.subjectKind !== figures.subjectKind) continue;
        const hit = active.rule.evaluate(figures, active.params);
        const subject = { kind: figures.subjectKind, id: figures.subjectId };
        if (hit)
          drafts.push(
            ...draftsOf(active, hit, subject, { asOf, trigger: 'SWEEP', triggerSubjectId: runKey }),
          );
      }
    }
    return (await raiseFlags(sql, drafts)).length;
  }
}
