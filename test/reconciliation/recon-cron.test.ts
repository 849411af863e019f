import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logging/index.js';
import { startApp, type RunningApp } from '../../src/main.js';
import { simulatorProviderEnv, startSimulators, type StartedSimulators } from '../../src/simulators/index.js';
import { startTestApp, TEST_JWT, type TestApp } from '../support/app.js';
import { businessToday, MIDNIGHT_WAIT_MS } from './recon.fixtures.js';

/**
 * The nightly schedule with two workers on one database: each tick of the cron queues the day's
 * reconciliation once, and each provider's day is reconciled once per tick. The cron runs every
 * minute here, so the test waits for the next minute boundary (≤ ~70 s alone, longer on a loaded machine).
 */
let sims: StartedSimulators;
let t: TestApp;
const workers: RunningApp[] = [];
let yesterday: string;

beforeAll(async () => {
  ({ yesterday } = await businessToday());
  sims = await startSimulators({
    dataDir: mkdtempSync(path.join(tmpdir(), 'recon-cron-sim-')),
    // Yesterday's bills are downloadable from midnight, and Alipay answers an empty day with its empty
    // bill file (not `isp.bill_not_exist`, which reads as "not ready" until D+1 10:00). With the providers'
    // defaults this test failed whenever it ran in the small hours of Shanghai's morning.
    wechatpay: { port: 0, bill: { readyHour: 0 } },
    others: { alipay: { port: 0, billReadyAfterMs: 0, emptyDayMode: 'empty_file' } },
  });
  const providerEnv = simulatorProviderEnv(sims);
  t = await startTestApp({ role: 'api', env: providerEnv });
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: t.databaseUrl,
    MIGRATE_ON_START: 'false',
    SIMULATORS: 'false',
    JWT_HS256_SECRET: TEST_JWT.secret,
    RECON_CRON: '* * * * *',
    ...providerEnv,
  };
  for (let i = 0; i < 2; i++)
    workers.push(await startApp(loadConfig(env), 'worker', createLogger({ level: 'silent' })));
}, MIDNIGHT_WAIT_MS + 60_000);

afterAll(async () => {
  for (const w of workers) await w.stop();
  await t?.stop();
  await sims?.close();
});

describe('nightly reconciliation schedule', () => {
  it('fires once per tick across two workers, and reconciles each provider’s previous day once', async () => {
    const conn = t.app.orm.em.fork().getConnection();
    // A tick is at most a minute away and pg-boss looks for due crons every 30 s; under a loaded
    // machine the jobs also wait for a worker: allow three minutes.
    const deadline = Date.now() + 180_000;
    let runs: { provider: string; n: string }[] = [];
    while (Date.now() < deadline) {
      runs = await conn.execute(
        `select provider, count(*) as n from recon_run where bill_date = ? and trigger = 'SCHEDULE' group by provider order by provider`,
        [yesterday],
      );
      if (runs.length === 2) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(runs.map((r) => r.provider)).toEqual(['alipay', 'wechatpay']);
    const ticks = await conn.execute<{ minute: string; n: string }[]>(
      `select date_trunc('minute', created_on)::text as minute, count(*) as n from pgboss.job
        where name = 'reconcile-nightly' group by 1`,
    );
    expect(ticks.length).toBeGreaterThanOrEqual(1);
    expect(ticks.every((tick) => Number(tick.n) === 1)).toBe(true);
    const perProvider = await conn.execute<{ provider: string; n: string }[]>(
      `select provider, count(*) as n from recon_run where bill_date = ? and trigger = 'SCHEDULE' group by provider`,
      [yesterday],
    );
    for (const p of perProvider) expect(Number(p.n)).toBeLessThanOrEqual(ticks.length);
    // Both days are empty: WeChat has no bill for it (EMPTY), Alipay sends its empty bill file
    // (COMPLETED over zero rows); neither finds anything to match or report.
    const outcomes = await conn.execute<
      { provider: string; status: string; statement_rows: number; items: string }[]
    >(
      `select r.provider, r.status, r.statement_rows,
              (select count(*) from recon_item i where i.run_id = r.id) as items
         from recon_run r where r.bill_date = ? and r.superseded_at is null order by r.provider`,
      [yesterday],
    );
    expect(outcomes.map((o) => [o.provider, o.status, Number(o.statement_rows), Number(o.items)])).toEqual([
      ['alipay', 'COMPLETED', 0, 0],
      ['wechatpay', 'EMPTY', 0, 0],
    ]);
  }, 200_000);
});
