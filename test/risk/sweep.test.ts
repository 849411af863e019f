import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { sqlOnPool, type Orm, type Sql } from '../../src/db/index.js';
import { startJobQueue, type JobQueue } from '../../src/jobs/index.js';
import { createLogger } from '../../src/logging/index.js';
import { RISK_SWEEP, RiskService, RiskSweep } from '../../src/risk/index.js';
import { createTestOrm } from '../support/db.js';
import { daysAgo, seedClaim, seedOrder, seedOrders } from './risk-fixtures.js';

const logger = createLogger({ level: 'silent' });
const config = loadConfig({ NODE_ENV: 'test' });

interface FlagRow {
  subject_kind: string;
  subject_id: string;
  rule_id: string;
  status: string;
  trigger: string;
  evidence: { customerIds?: string[]; payerAccount?: string; orderIds?: string[] };
  figures: Record<string, string>;
}

describe('nightly sweep: raises, clusters, platform outliers, expiry, once across workers', () => {
  let orm: Orm;
  let url: string;
  let close: () => Promise<void>;
  let sql: Sql;
  let risk: RiskService;
  const sweep = () => new RiskSweep(orm, risk, { cron: config.risk.sweepCron, batch: 2 }, logger);
  const flags = (where = 'true') =>
    sql.rows<FlagRow>(
      `select subject_kind, subject_id, rule_id, status, trigger, evidence, figures from risk_flag where ${where}
        order by subject_kind, subject_id, rule_id`,
    );

  beforeAll(async () => {
    ({ orm, url, close } = await createTestOrm());
    sql = sqlOnPool(orm);
    risk = new RiskService(orm, config.risk, logger);
    // A high-frequency customer: six refunds in the last three days.
    await seedOrders(sql, 'c_hf', [3, 3, 2, 2, 1, 1], { merchantId: 'm_hf' });
    // Four refunds 45 days ago: flagged by a sweep back then, expired by today's.
    await seedOrders(sql, 'c_past', [46, 46, 45, 45], { merchantId: 'm_past' });
    // Three accounts paying with one WeChat openid, each refunded once.
    for (const c of ['c_p1', 'c_p2', 'c_p3']) {
      await seedOrders(sql, c, [5], { merchantId: 'm_p', payerAccount: 'oSHARED' });
    }
    await seedOrders(sql, 'c_p4', [5], { merchantId: 'm_p', payerAccount: 'oSHARED', refunded: 0 });
    // Merchant m_bad (rider r_bad): 10 of 20 orders claimed; five peers with riders: 1 in 20 each.
    for (let i = 0; i < 20; i++) {
      await seedOrder(sql, {
        customerId: `c_mb${i}`,
        at: daysAgo(10),
        merchantId: 'm_bad',
        riderId: 'r_bad',
        ...(i < 10 ? { refund: {} } : {}),
      });
    }
    for (let m = 0; m < 5; m++) {
      for (let i = 0; i < 20; i++) {
        await seedOrder(sql, {
          customerId: `c_mo${m}_${i}`,
          at: daysAgo(10),
          merchantId: `m_ok${m}`,
          riderId: `r_ok${m}`,
          ...(i === 0 ? { refund: {} } : {}),
        });
      }
    }
  }, 120_000);
  afterAll(async () => close());

  it('a sweep in the past raises what was true then', async () => {
    const result = await sweep().run({ asOf: daysAgo(40), runKey: 'back-then' });
    expect(result).toMatchObject({ ran: true, expired: 0 });
    expect(await flags()).toEqual([
      expect.objectContaining({
        subject_id: 'c_past',
        rule_id: 'refund-frequency',
        status: 'ACTIVE',
        trigger: 'SWEEP',
      }),
    ]);
  });

  it('today’s sweep, started by two workers at once, runs once: expires, raises, flags clusters and outliers', async () => {
    const [a, b] = await Promise.all([sweep().run({ runKey: 'today' }), sweep().run({ runKey: 'today' })]);
    expect([a.ran, b.ran].sort()).toEqual([false, true]);
    const done = a.ran ? a : b;
    expect(done.expired).toBe(1);
    // Every customer with a refund in 90 days, paged two at a time.
    expect(done.customers).toBe(1 + 1 + 3 + 10 + 5);

    const active = await flags(`status = 'ACTIVE'`);
    expect(active.map((f) => `${f.subject_kind} ${f.subject_id} ${f.rule_id}`)).toEqual([
      'CUSTOMER c_hf refund-frequency',
      'CUSTOMER c_hf refund-order-ratio', // all six orders refunded
      'CUSTOMER c_p1 shared-payer',
      'CUSTOMER c_p2 shared-payer',
      'CUSTOMER c_p3 shared-payer',
      'MERCHANT m_bad merchant-claim-outlier',
      'RIDER r_bad rider-claim-outlier',
    ]);
    const cluster = active.find((f) => f.subject_id === 'c_p2')!;
    expect(cluster.evidence).toEqual({ customerIds: ['c_p1', 'c_p2', 'c_p3'], payerAccount: 'oSHARED' });
    const merchant = active.find((f) => f.subject_id === 'm_bad')!;
    expect(merchant.figures).toMatchObject({
      orders: '20',
      claims: '10',
      peerOrders: '110', // 5 × 20 + c_hf's 6 + the shared payer's 4,
      peerClaims: '14',
    });
    expect(merchant.evidence.orderIds).toHaveLength(10);

    const [expired] = await flags(`subject_id = 'c_past'`);
    expect(expired!.status).toBe('EXPIRED');
    expect(done.raised).toBe(active.length);

    const runs = await sql.rows<{ run_key: string; finished: boolean }>(
      `select run_key, finished_at is not null as finished from risk_sweep_run order by run_key`,
    );
    expect(runs).toEqual([
      { run_key: 'back-then', finished: true },
      { run_key: 'today', finished: true },
    ]);
  });

  it('a cluster flag routes every account of the cluster (BLOCK_AUTO_REFUND by default)', async () => {
    for (const c of ['c_p1', 'c_p2', 'c_p3']) {
      expect((await risk.assessCustomer({ customerId: c, trigger: 'CASE' })).routing).toBe(
        'BLOCK_AUTO_REFUND',
      );
    }
    // The fourth account paid with the same openid but never refunded: not part of the cluster.
    expect((await risk.assessCustomer({ customerId: 'c_p4', trigger: 'CASE' })).routing).toBe('NONE');
  });

  it('as a pg-boss job on two workers, one job runs the sweep once', async () => {
    const queues: JobQueue[] = [];
    const ran: boolean[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const queue = await startJobQueue({ url, role: 'worker', logger });
        queues.push(queue);
        const mine = sweep();
        const definitions = mine.jobDefinitions().map((d) => ({
          ...d,
          cron: undefined,
          handle: async () => {
            ran.push((await mine.run({ runKey: 'job-day' })).ran);
          },
        }));
        await queue.register(definitions);
      }
      await queues[0]!.send(RISK_SWEEP, {});
      await queues[1]!.send(RISK_SWEEP, {}); // a second start of the same night (a retry, another scheduler)
      const deadline = Date.now() + 20_000;
      while (ran.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(ran.sort()).toEqual([false, true]);
    } finally {
      for (const q of queues) await q.stop();
    }
  }, 40_000);
  it('re-evaluates customers who only claim (no refund): a claim-only customer breaking a rule is flagged', async () => {
    // 200 days ago, outside every other fixture's windows: c_claims filed three claims without evidence on
    // three orders and never had a refund; c_system only has system-detected cases, which are not claims.
    const asOf = daysAgo(199);
    for (const [i, order] of (
      await seedOrders(sql, 'c_claims', [200.3, 200.2, 200.1], { refunded: 0 })
    ).entries()) {
      await seedClaim(sql, { customerId: 'c_claims', order, at: daysAgo(200 - i * 0.1) });
    }
    const [late] = await seedOrders(sql, 'c_system', [200.5], { refunded: 0 });
    await seedClaim(sql, { customerId: 'c_system', order: late!, at: daysAgo(200.4), channel: 'SYSTEM' });

    const result = await sweep().run({ asOf, runKey: 'claims-only' });
    expect(result).toMatchObject({ ran: true, customers: 1, raised: 1 });
    const [flag, ...more] = await flags(`subject_id in ('c_claims', 'c_system')`);
    expect(more).toEqual([]);
    expect(flag).toMatchObject({
      subject_kind: 'CUSTOMER',
      subject_id: 'c_claims',
      rule_id: 'claims-without-evidence',
      trigger: 'SWEEP',
      figures: { claims30d: '3', claimsWithoutEvidence30d: '3' },
    });
  });
});
