import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlOnPool } from '../../src/db/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder, SUPPORT } from '../support/builders.js';
import { codeOf, decideCase, reportCase } from '../cases/cases.fixtures.js';
import { daysAgo, seedOrder } from './risk-fixtures.js';

const ADMIN = { role: 'ADMIN', sub: 'admin_1' } as const;
type Who = Parameters<TestApp['gql']>[2];

interface BacktestShape {
  ruleId: string;
  version: number;
  proposed: boolean;
  params: { name: string; value: string }[];
  customersEvaluated: number;
  flagged: number;
  laterRejected: number;
  laterOverturned: number;
  laterRejectedOrOverturned: number;
  sample: {
    customerId: string;
    flaggedAt: string;
    figures: { name: string; value: string }[];
    laterRejected: boolean;
  }[];
}

const QUERY = `query($input: RiskBacktestInput!) { riskBacktest(input: $input) {
  ruleId version proposed params { name value } customersEvaluated flagged laterRejected laterOverturned
  laterRejectedOrOverturned sample { customerId flaggedAt figures { name value } laterRejected } } }`;

/**
 * A hand-computed fixture for refund-frequency v1 (≥ 3 refunds in 7 days or ≥ 5 in 30 days) over the
 * period [20 days ago, 10 days ago), replayed at each day end for that day's refunding customers:
 *   bt_a  refunds 18.5, 18.4, 18.3 days ago          → 3 in 7 days: flagged at the end of day 2 (18 days ago)
 *   bt_b  refunds 40.5, 40.4, 40.3, 17.5, 12.5 days ago → 5 in 30 days (2 in 7) at 12.5: flagged 12 days ago
 *   bt_c  refunds 15.5, 15.4 days ago                 → 2: not flagged (flagged with refunds7d = 2)
 *   bt_e  refunds 19.5, 13.5, 11.5 days ago           → never 3 in 7 days: not flagged (with 2: at 13 days ago)
 *   bt_d  refunds 5.2, 5.1, 5.0 days ago              → after the period: not evaluated
 * Evaluated: a, b, c, e. Flagged: a, b. Later (a case reported now): bt_a's is rejected.
 */
describe('backtest of a rule version over a past period (ADMIN GraphQL) against a hand-computed fixture', () => {
  let t: TestApp;
  const from = daysAgo(20);
  const to = daysAgo(10);

  beforeAll(async () => {
    t = await startTestApp({ simulators: true });
    const sql = sqlOnPool(t.app.orm);
    const refunds: Record<string, number[]> = {
      bt_a: [18.5, 18.4, 18.3],
      bt_b: [40.5, 40.4, 40.3, 17.5, 12.5],
      bt_c: [15.5, 15.4],
      bt_e: [19.5, 13.5, 11.5],
      bt_d: [5.2, 5.1, 5.0],
    };
    for (const [customerId, days] of Object.entries(refunds)) {
      for (const d of days) {
        await seedOrder(sql, { customerId, at: daysAgo(d + 0.01), refund: { at: daysAgo(d) } });
      }
    }
    // bt_a reports a case now (after the flag) and support rejects it.
    const paid = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 3_000, customerId: 'bt_a' });
    const reported = await reportCase(t, 'bt_a', { orderId: paid.orderId, type: 'OTHER' });
    expect(reported.errors).toBeUndefined();
    const decided = await decideCase(t, { caseId: reported.data!.reportCase.id, kind: 'REJECT' });
    expect(decided.errors).toBeUndefined();
  }, 120_000);
  afterAll(async () => t.stop());

  const run = async (input: Record<string, unknown>, who: Who = ADMIN) =>
    t.gql<{ riskBacktest: BacktestShape }>(QUERY, { input: { from, to, ...input } }, who);

  it('the current version: evaluated, flagged and later rejected match the fixture, with a sample', async () => {
    const res = await run({ ruleId: 'refund-frequency' });
    expect(res.errors).toBeUndefined();
    const r = res.data!.riskBacktest;
    expect(r).toMatchObject({
      ruleId: 'refund-frequency',
      version: 1,
      proposed: false,
      customersEvaluated: 4,
      flagged: 2,
      laterRejected: 1,
      laterOverturned: 0,
      laterRejectedOrOverturned: 1,
    });
    expect(r.sample.map((s) => [s.customerId, s.laterRejected])).toEqual([
      ['bt_a', true],
      ['bt_b', false],
    ]);
    const [a, b] = r.sample;
    // Flagged at the end of the day the threshold was reached (days are counted from `from`).
    expect(new Date(a!.flaggedAt).getTime()).toBe(from.getTime() + 2 * 86_400_000);
    expect(new Date(b!.flaggedAt).getTime()).toBe(from.getTime() + 8 * 86_400_000);
    expect(a!.figures).toEqual([
      { name: 'refunds7d', value: '3' },
      { name: 'refunds30d', value: '3' },
    ]);
    expect(b!.figures).toEqual([
      { name: 'refunds7d', value: '2' },
      { name: 'refunds30d', value: '5' },
    ]);
  });

  it('a proposed parameter set (2 in 7 days) flags bt_c and bt_e too, and writes nothing', async () => {
    const res = await run({ ruleId: 'refund-frequency', params: [{ name: 'refunds7d', value: '2' }] });
    expect(res.errors).toBeUndefined();
    const r = res.data!.riskBacktest;
    expect(r).toMatchObject({
      version: 1,
      proposed: true,
      customersEvaluated: 4,
      flagged: 4,
      laterRejected: 1,
    });
    expect(r.params).toContainEqual({ name: 'refunds7d', value: '2' });
    expect(r.sample.map((s) => s.customerId)).toEqual(['bt_a', 'bt_b', 'bt_c', 'bt_e']);
    const [c, e] = r.sample.slice(2);
    expect(new Date(c!.flaggedAt).getTime()).toBe(from.getTime() + 5 * 86_400_000);
    expect(new Date(e!.flaggedAt).getTime()).toBe(from.getTime() + 7 * 86_400_000);
    const [written] = await sqlOnPool(t.app.orm).rows<{ n: number }>(
      `select count(*)::int as n from risk_flag where subject_id like 'bt\\_%' and trigger = 'SWEEP'`,
    );
    expect(written!.n).toBe(0);
    const versions = await t.gql<{ riskRuleVersions: { version: number }[] }>(
      `{ riskRuleVersions(ruleId: "refund-frequency") { version } }`,
      {},
      ADMIN,
    );
    expect(versions.data!.riskRuleVersions.map((v) => v.version)).toEqual([1]);
  });

  it('ADMIN only; a future or overlong period and bad parameters are typed errors', async () => {
    expect(codeOf(await run({ ruleId: 'refund-frequency' }, SUPPORT))).toBe('FORBIDDEN');
    expect(codeOf(await run({ ruleId: 'refund-frequency' }, { role: 'CUSTOMER', sub: 'bt_a' }))).toBe(
      'FORBIDDEN',
    );
    const future = await t.gql(
      QUERY,
      { input: { ruleId: 'refund-frequency', from, to: daysAgo(-1) } },
      ADMIN,
    );
    expect(codeOf(future)).toBe('RISK_INVALID_PERIOD');
    const long = await t.gql(QUERY, { input: { ruleId: 'refund-frequency', from: daysAgo(200), to } }, ADMIN);
    expect(codeOf(long)).toBe('RISK_INVALID_PERIOD');
    expect(
      codeOf(await run({ ruleId: 'refund-frequency', params: [{ name: 'refunds7d', value: 'x' }] })),
    ).toBe('RISK_INVALID_PARAMS');
    expect(codeOf(await run({ ruleId: 'no-such-rule' }))).toBe('RISK_RULE_NOT_FOUND');
    expect(codeOf(await run({ ruleId: 'refund-frequency', version: 9 }))).toBe('RISK_RULE_NOT_FOUND');
  });
});
