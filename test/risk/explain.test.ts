import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyStatements } from '../../bench/risk-seed.js';
import { sqlOnPool, type Orm, type Sql } from '../../src/db/index.js';
import { CUSTOMER_FIGURES_SQL } from '../../src/risk/risk.figures.js';
import { createTestOrm } from '../support/db.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function scans(node: PlanNode, out: PlanNode[] = []): PlanNode[] {
  if (node['Relation Name'] !== undefined) out.push(node);
  for (const child of node.Plans ?? []) scans(child, out);
  return out;
}

const TABLES = ['refund', 'payment', 'food_order', 'risk_flag', 'after_sales_case'];
/** Every part of the figures read (the rule versions needing each part: '*', held by nobody). */
const ALL_PARTS = [['*'], ['*'], ['*'], ['*'], ['*'], ['*']];

describe('the online evaluation reads indexes only (EXPLAIN over 20,000 seeded refunds)', () => {
  let orm: Orm;
  let close: () => Promise<void>;
  let sql: Sql;

  beforeAll(async () => {
    ({ orm, close } = await createTestOrm());
    sql = sqlOnPool(orm);
    for (const statement of historyStatements({ customers: 2_000, refunds: 20_000, spanDays: 365 })) {
      await sql.rows(statement);
    }
    await sql.rows(
      `insert into risk_flag (id, subject_kind, subject_id, rule_id, rule_version, action, mode, status, active_key,
                              trigger, figures, thresholds, evidence, activity_ids, expires_at)
       select 'rk_' || g, 'CUSTOMER', 'c_' || g, 'refund-frequency', 1, 'REVIEW', 'ENFORCE', 'ACTIVE', 'k' || g,
              'SWEEP', '{}', '{}', '{}', '{}', now() + interval '30 days'
         from generate_series(1, 2000) as g`,
    );
    await sql.rows(`analyze risk_flag`);
  }, 120_000);
  afterAll(async () => close());

  /** The body of `risk_customer_figures` with its parameters as bind parameters, to explain it. */
  const body = async (): Promise<string> => {
    const [fn] = await sql.rows<{ prosrc: string }>(
      `select prosrc from pg_proc where proname = 'risk_customer_figures'`,
    );
    const names = [
      ...['p_customers', 'p_as_of', 'p_currency', 'p_payment_ids', 'p_order_ids', 'p_evidence'],
      ...['p_refund_rules', 'p_refunded_order_rules', 'p_order_rules', 'p_spend_rules'],
      ...['p_claim_rules', 'p_payer_rules'],
    ];
    const types = [
      ...['text[]', 'timestamptz', 'text', 'text[]', 'text[]', 'boolean'],
      ...Array(6).fill('text[]'),
    ];
    return names.reduce(
      (text, name, i) => text.replaceAll(new RegExp(`\\b${name}\\b`, 'g'), `$${i + 1}::${types[i]}`),
      fn!.prosrc,
    );
  };

  const plan = async (params: unknown[], generic: boolean): Promise<PlanNode> => {
    const text = await body();
    return orm.em.fork().transactional(async (em) => {
      const conn = em.getConnection();
      await conn.execute(
        `set local plan_cache_mode = ${generic ? 'force_generic_plan' : 'force_custom_plan'}`,
      );
      const tx = (await import('../../src/db/index.js')).sqlOn(em);
      const [row] = await tx.rows<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `explain (format json) ${text}`,
        params,
      );
      return row!['QUERY PLAN'][0].Plan;
    });
  };

  it.each([
    ['a customer, custom plan', false, 'customer'],
    ['a customer, generic plan', true, 'customer'],
    ['a refund request’s payment, generic plan', true, 'payment'],
    ['a refund request’s payment, custom plan', false, 'payment'],
  ] as const)('%s: every table is read by an index', async (_, generic, by) => {
    const params =
      by === 'customer'
        ? [['c_42'], new Date(), 'CNY', [], [], false, ...ALL_PARTS]
        : [[], new Date(), 'CNY', ['pm_84'], [], false, ...ALL_PARTS];
    const found = scans(await plan(params, generic));
    const touched = new Set(found.map((n) => n['Relation Name']));
    for (const table of TABLES) expect(touched, table).toContain(table);
    for (const node of found.filter((n) => TABLES.includes(n['Relation Name']!))) {
      expect(node['Node Type'], `${node['Relation Name']}: ${node['Node Type']}`).toMatch(
        /^(Index Only Scan|Index Scan|Bitmap Heap Scan)$/,
      );
    }
    // No statement of the figures reads a whole table: at most a bounded window of one customer.
    expect(JSON.stringify(found)).not.toContain('Seq Scan');
  });

  it('the figures are right on the seeded history', async () => {
    const rows = await sql.rows<{ refunds_30d: number; orders_90d: number }>(CUSTOMER_FIGURES_SQL, [
      ['c_42'],
      new Date(),
      'CNY',
      [],
      [],
      true,
      ...ALL_PARTS,
    ]);
    const [expected] = await sql.rows<{ refunds_30d: number; orders_90d: number }>(
      `select (select count(*)::int from refund where customer_id = 'c_42' and created_at >= now() - interval '30 days' and created_at < now()) as refunds_30d,
              (select count(*)::int from food_order where customer_id = 'c_42' and created_at >= now() - interval '90 days') as orders_90d`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject(expected!);
  });

  it('a part read alone gives the figures it gives with every part (the 30-day refunds without the 90-day orders)', async () => {
    type Figures = Record<string, unknown>;
    const read = async (parts: string[][], evidence = true): Promise<Figures[]> =>
      sql.rows<Figures>(CUSTOMER_FIGURES_SQL, [
        ['c_42', 'c_7', 'c_1999'],
        new Date(),
        'CNY',
        [],
        [],
        evidence,
        ...parts,
      ]);
    const all = await read(ALL_PARTS);
    const none: string[][] = [[], [], [], [], [], []];
    const only = (i: number) => none.map((p, j) => (i === j ? ['*'] : p));
    const refunds = ['refunds_7d', 'refunds_30d', 'refunded_7d_minor', 'refunded_30d_minor'];
    const evidence = ['refund_ids_7d', 'refund_ids_30d'];
    const byCustomer = (rows: Figures[]) => new Map(rows.map((r) => [String(r['customer_id']), r]));
    const [full, justRefunds, justOrders, justSpend] = [
      all,
      ...(await Promise.all([0, 1, 3].map((i) => read(only(i))))),
    ].map(byCustomer);
    expect(full!.size).toBe(3);
    expect([...full!.values()].some((r) => Number(r['refunds_30d']) > 0)).toBe(true);
    for (const [id, f] of full!) {
      const r = justRefunds!.get(id)!;
      for (const k of [...refunds, ...evidence]) expect(r[k], `${k} of ${id}`).toEqual(f[k]);
      expect(r['refunded_orders_90d']).toBe(0);
      const o = justOrders!.get(id)!;
      expect(o['refunded_orders_90d']).toBe(f['refunded_orders_90d']);
      expect(o['refunded_order_ids_90d']).toEqual(f['refunded_order_ids_90d']);
      expect(o['refunds_30d']).toBe(0);
      expect(justSpend!.get(id)!['spent_30d_minor']).toBe(f['spent_30d_minor']);
      expect(justSpend!.get(id)!['orders_90d']).toBe(0);
    }
  });

  it('a customer already holding every refund rule’s flag costs no refund scan (the hot path of a heavy refunder)', async () => {
    const run = async (refundRules: string[]): Promise<PlanNode> => {
      const [row] = await sql.rows<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `explain (analyze, format json) ${await body()}`,
        [['c_42'], new Date(), 'CNY', [], [], false, refundRules, [], [], [], [], []],
      );
      return row!['QUERY PLAN'][0].Plan;
    };
    const refundScans = (plan: PlanNode): (PlanNode & { 'Actual Loops'?: number })[] =>
      scans(plan).filter((n) => n['Relation Name'] === 'refund');
    // c_42 holds refund-frequency v1 (seeded above): nothing left to find in its refunds.
    const held = refundScans(await run(['refund-frequency:1']));
    expect(held.length).toBeGreaterThan(0);
    for (const node of held) expect(node['Actual Loops'], 'refund scan executed').toBe(0);
    // A rule version it does not hold reads them.
    const open = refundScans(await run(['refund-frequency:1', 'refund-amount:1']));
    expect(Math.max(...open.map((n) => n['Actual Loops'] ?? 0))).toBeGreaterThan(0);
  });
});
