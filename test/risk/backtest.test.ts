import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlOnPool } from '../../src/db/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder, SUPPORT } from '../support/builders.js';
import { codeOf, decideCase, reportCase, waitForCase } from '../cases/cases.fixtures.js';
import { daysAgo, seedOrder } from './risk-fixtures.js';

const ADMIN = { role: 'ADMIN', sub: 'admin_1' } as const;
const AGENT_2 = { role: 'SUPPORT', sub: 'agent_2' } as const;
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
    laterOverturned: boolean;
  }[];
}

const QUERY = `query($input: RiskBacktestInput!) { riskBacktest(input: $input) {
  ruleId version proposed params { name value } customersEvaluated flagged laterRejected laterOverturned
  laterRejectedOrOverturned sample { customerId flaggedAt figures { name value } laterRejected laterOverturned } } }`;

/**
 * A hand-computed fixture for refund-frequency v1 (≥ 3 refunds in 7 days or ≥ 5 in 30 days) over the
 * period [20 days ago, 10 days ago), replayed at each day end for that day's refunding customers:
 *   bt_a  refunds 18.5, 18.4, 18.3 days ago          → 3 in 7 days: flagged at the end of day 2 (18 days ago)
 *   bt_b  refunds 40.5, 40.4, 40.3, 17.5, 12.5 days ago → 5 in 30 days (2 in 7) at 12.5: flagged 12 days ago
 *   bt_c  refunds 15.5, 15.4 days ago                 → 2: not flagged (flagged with refunds7d = 2)
 *   bt_e  refunds 19.5, 13.5, 11.5 days ago           → never 3 in 7 days: not flagged (with 2: at 13 days ago)
 *   bt_d  refunds 5.2, 5.1, 5.0 days ago              → after the period: not evaluated
 * Evaluated: a, b, c, e. Flagged: a, b. Later (cases reported now, after every flag):
 *   bt_a  one case rejected, another refunded then overturned on the merchant's appeal → rejected and overturned
 *   bt_b  a case refunded then overturned on appeal (the cost moves to the platform; the customer keeps the
 *         refund, but the first decision was wrong)                                  → overturned only
 *   bt_c  a case refunded, the appeal upheld                                          → neither
 *   bt_d  a case overturned on appeal, but bt_d is never flagged                      → counts nowhere
 * So: laterRejected 1 (a), laterOverturned 2 (a, b), laterRejectedOrOverturned 2 (a counted once).
 */
describe('backtest of a rule version over a past period (ADMIN GraphQL) against a hand-computed fixture', () => {
  let t: TestApp;
  const from = daysAgo(20);
  const to = daysAgo(10);

  beforeAll(async () => {
    t = await startTestApp({ simulators: true, env: { CASE_REFUND_FOLLOW_MS: '300' } });
    t.app.simulators!.wechatpay!.sim.setRefundLifecycle({ mode: 'immediate' });
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
    for (const [customerId, overturn] of [
      ['bt_a', true],
      ['bt_b', true],
      ['bt_c', false],
      ['bt_d', true],
    ] as const) {
      expect(await appealedCase(customerId, overturn)).toBe(overturn ? 'OVERTURNED' : 'UPHELD');
    }
  }, 180_000);
  afterAll(async () => t.stop());

  /** A case refunded in full at the merchant's charge, which the merchant appeals; a second agent decides. */
  async function appealedCase(customerId: string, overturn: boolean): Promise<string> {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 2_000, customerId });
    const reported = await reportCase(t, customerId, { orderId: paid.orderId, type: 'WRONG_ITEM' });
    expect(reported.errors).toBeUndefined();
    const caseId = reported.data!.reportCase.id;
    expect(
      (await decideCase(t, { caseId, kind: 'FULL_REFUND', liableParty: 'MERCHANT' })).errors,
    ).toBeUndefined();
    await waitForCase(t, caseId, (c) => c.status === 'RESOLVED');
    const appeal = await t.gql<{ appealCase: { id: string } }>(
      `mutation($id: ID!) { appealCase(caseId: $id, statement: "sealed when the rider took it", evidence: []) { id } }`,
      { id: caseId },
      { role: 'MERCHANT', sub: paid.merchantId },
    );
    expect(appeal.errors).toBeUndefined();
    const review = await t.gql<{ reviewAppeal: { status: string } }>(
      `mutation($id: ID!, $o: Boolean!, $l: LiableParty) { reviewAppeal(appealId: $id, overturn: $o, newLiableParty: $l, note: "checked") { status } }`,
      { id: appeal.data!.appealCase.id, o: overturn, l: overturn ? 'PLATFORM' : null },
      AGENT_2,
    );
    expect(review.errors).toBeUndefined();
    return review.data!.reviewAppeal.status;
  }

  const run = async (input: Record<string, unknown>, who: Who = ADMIN) =>
    t.gql<{ riskBacktest: BacktestShape }>(QUERY, { input: { from, to, ...input } }, who);

  it('the current version: evaluated, flagged, later rejected and overturned match the fixture, with a sample', async () => {
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
      laterOverturned: 2,
      laterRejectedOrOverturned: 2,
    });
    expect(r.sample.map((s) => [s.customerId, s.laterRejected, s.laterOverturned])).toEqual([
      ['bt_a', true, true],
      ['bt_b', false, true],
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
      laterOverturned: 2,
      laterRejectedOrOverturned: 2,
    });
    expect(r.sample.map((s) => [s.customerId, s.laterRejected, s.laterOverturned])).toEqual([
      ['bt_a', true, true],
      ['bt_b', false, true],
      ['bt_c', false, false],
      ['bt_e', false, false],
    ]);
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
