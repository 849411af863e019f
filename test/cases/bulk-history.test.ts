import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedBulkCases } from '../../bench/cases-seed.js';
import type { Orm } from '../../src/db/index.js';
import { CaseMetricsQuery } from '../../src/cases/case.metrics.js';
import { queueStatement, type QueueFilter } from '../../src/cases/case.support.js';
import { createTestOrm } from '../support/db.js';

const DAY_MS = 86_400_000;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Plan Rows': number;
  'Actual Rows': number;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/**
 * Over a history of cases seeded in bulk (the benchmark's, smaller). The stored metrics hours (`case_metrics_hour`, kept by triggers and `case_metrics_refresh`) give the
 * same figures as the direct computation over the cases, for any period: whole days, partial first
 * and last hours, periods inside one hour, and after cases, decisions and appeals change.
 */
describe('over a seeded history of cases', () => {
  let db: { orm: Orm; url: string; close: () => Promise<void> };
  let client: pg.Client;
  let metrics: CaseMetricsQuery;
  const now = Date.now();

  beforeAll(async () => {
    db = await createTestOrm(4);
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    // Cases over the last 180 days in every state, with decisions and appeals (the benchmark's history).
    await seedBulkCases(client, 4_000);
    await client.query(`select case_metrics_rebuild()`);
    metrics = new CaseMetricsQuery(db.orm);
  });

  afterAll(async () => {
    await client?.end();
    await db?.close();
  });

  const period = fc
    .tuple(
      fc.integer({ min: 0, max: 200 * DAY_MS }),
      fc.oneof(fc.integer({ min: 0, max: DAY_MS }), fc.integer({ min: 0, max: 60 * DAY_MS })),
      fc.boolean(),
    )
    .map(([back, length, aligned]) => {
      let from = now - back;
      if (aligned) from -= from % DAY_MS;
      return { from: new Date(from), to: new Date(from + length) };
    });

  async function agree(runs: number): Promise<void> {
    await fc.assert(
      fc.asyncProperty(period, async ({ from, to }) => {
        const stored = await metrics.metrics(from, to);
        const direct = await metrics.metrics(from, to, { direct: true });
        expect(stored).toEqual(direct);
      }),
      { numRuns: runs },
    );
  }

  it('metrics: the stored hours agree with the direct computation for random periods', async () => {
    const month = await metrics.metrics(new Date(now - 30 * DAY_MS), new Date(now));
    expect(month.cases).toBeGreaterThan(500);
    expect(month.refundsSettled).toBeGreaterThan(0);
    expect(month.appeals).toBeGreaterThan(0);
    await agree(40);
  });

  it('metrics: they still agree after cases, decisions and appeals change (the triggers mark their hours)', async () => {
    // Through the triggers this time: resolve open cases, overturn appeals, rate cases, settle refunds.
    await client.query(`
      update after_sales_case set status = 'RESOLVED', outcome = 'REJECT', resolved_at = now(),
             first_reviewed_at = coalesce(first_reviewed_at, now())
       where status = 'IN_REVIEW' and id in (select id from after_sales_case where status = 'IN_REVIEW' limit 40)`);
    await client.query(`
      update case_appeal set status = 'OVERTURNED', new_liable_kind = 'PLATFORM', reviewer_id = 'agent_9',
             review_note = 'moved', reviewed_at = created_at + interval '1 hour'
       where status = 'PENDING'`);
    await client.query(`
      update after_sales_case set rating = 5, rated_at = resolved_at + interval '1 hour'
       where status = 'RESOLVED' and rating is null and id in (
         select id from after_sales_case where status = 'RESOLVED' and rating is null order by id limit 100)`);
    await client.query(`
      update case_decision set status = 'DONE', executed_at = created_at + interval '3 hours'
       where status = 'EXECUTING'`);
    const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from case_metrics_change`);
    expect(rows[0]!.n).toBeGreaterThan(0);
    // Reads compute the marked hours directly and write nothing: the marks wait for the refresh.
    await agree(30);
    const after = await client.query<{ n: number }>(`select count(*)::int as n from case_metrics_change`);
    expect(after.rows[0]!.n).toBe(rows[0]!.n);
    // The worker's refresh stores those hours and removes their marks; the figures stay the same.
    expect(await metrics.refresh()).toBeGreaterThan(0);
    const refreshed = await client.query<{ n: number }>(`select count(*)::int as n from case_metrics_change`);
    expect(refreshed.rows[0]!.n).toBe(0);
    await agree(20);
  });

  it('metrics: a decision inserted with its case adds no mark of its own; one on an earlier case does', async () => {
    // Marks written by the current transaction only (a refresh elsewhere cannot take them away).
    const marks = async (): Promise<number> =>
      (
        await client.query<{ n: number }>(
          `select count(*)::int as n from case_metrics_change where xmin = pg_current_xact_id()::xid`,
        )
      ).rows[0]!.n;
    const decide = (caseId: string, seq: number) =>
      client.query(
        `insert into case_decision (id, case_id, seq, kind, amount_minor, currency, liable_kind, note, decided_by,
                                    decided_role, status)
         values ($1 || ':' || $2, $1, $2::int, 'FULL_REFUND', 3000, 'CNY', 'PLATFORM', 'test', 'system:auto-review',
                 'SYSTEM', 'EXECUTING')`,
        [caseId, seq],
      );
    // As `case_report_batch` opens a decided case: the case and its decision in one transaction.
    await client.query('begin');
    try {
      await client.query(`insert into food_order (id, customer_id, merchant_id, total_minor, currency, delivery_status,
                                                  status_changed_at)
                          values ('marks_o', 'marks_c', 'marks_m', 3000, 'CNY', 'DELIVERED', now())`);
      await client.query(`insert into after_sales_case (id, order_id, customer_id, merchant_id, type, channel,
                            reporter_id, reporter_role, description, evidence, requested_remedy, currency,
                            order_total_minor, status, decision_count, auto_decided, first_reviewed_at)
                          values ('marks_cs', 'marks_o', 'marks_c', 'marks_m', 'DAMAGED', 'APP', 'marks_c',
                                  'CUSTOMER', 'test', '[]', 'FULL_REFUND', 'CNY', 3000, 'EXECUTING', 1, true, now())`);
      expect(await marks()).toBe(1);
      await decide('marks_cs', 1);
      expect(await marks()).toBe(1);
    } finally {
      await client.query('rollback');
    }
    // A case opened by an earlier transaction, even one updated in this one, is marked by its decision.
    await client.query('begin');
    try {
      const { rows } = await client.query<{ id: string; seq: number }>(
        `select id, decision_count + 1 as seq from after_sales_case where status <> 'RESOLVED' order by id limit 1`,
      );
      await client.query(`update after_sales_case set description = 'again' where id = $1`, [rows[0]!.id]);
      expect(await marks()).toBe(0);
      await decide(rows[0]!.id, rows[0]!.seq);
      expect(await marks()).toBe(1);
    } finally {
      await client.query('rollback');
    }
  });

  it('queue: every filter reads an index with a sound estimate; unassigned + type its own index', async () => {
    const explain = async (filter: QueueFilter, after: boolean): Promise<PlanNode> => {
      const cursor = after ? { createdAt: new Date(now - 2 * DAY_MS).toISOString(), id: '' } : null;
      const statement = queueStatement(filter, 'OLDEST', 21, cursor);
      const { rows } = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
        `explain (analyze, format json) ${statement.text}`,
        statement.params,
      );
      return rows[0]!['QUERY PLAN'][0]!.Plan;
    };
    const filters: QueueFilter[] = [
      {},
      { type: 'QUALITY' },
      { merchantId: 'bulk_m_97' },
      { assigneeId: '' },
      { type: 'WRONG_ITEM', assigneeId: '' },
      { statuses: ['IN_REVIEW'], severity: 'SEVERE' },
      { assigneeId: 'agent_3', type: 'LATE' },
    ];
    for (const filter of filters) {
      for (const after of [false, true]) {
        const nodes = nodesOf(await explain(filter, after));
        const what = JSON.stringify({
          filter,
          after,
          nodes: nodes.map((n) => n['Index Name'] ?? n['Node Type']),
        });
        expect(
          nodes.filter((n) => n['Node Type'] === 'Seq Scan'),
          what,
        ).toEqual([]);
        // Estimates within a factor of 10 of what the scans found (the bad plan came from a bad one).
        const scans = nodes.filter(
          (n) => n['Relation Name'] === 'after_sales_case' && n['Actual Rows'] >= 20,
        );
        for (const scan of scans) {
          expect(scan['Plan Rows'] * 10, what).toBeGreaterThanOrEqual(scan['Actual Rows']);
          expect(scan['Plan Rows'], what).toBeLessThanOrEqual(scan['Actual Rows'] * 10);
        }
      }
    }
    // The worst filter before its index: unassigned open cases of one type (estimated at a few dozen
    // rows for thousands, so PostgreSQL sorted them all for a page).
    const worst = nodesOf(await explain({ type: 'WRONG_ITEM', assigneeId: '' }, false));
    expect(worst.map((n) => n['Index Name']).filter(Boolean)).toEqual([
      'after_sales_case_open_unassigned_idx',
    ]);
  });
});
