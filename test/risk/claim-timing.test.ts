import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CasesService, type CaseView } from '../../src/cases/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logging/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder, SUPPORT } from '../support/builders.js';

const SECOND = 1_000;
const DAY = 86_400 * SECOND;

/**
 * The claim-timing rule (claims made less than 2 minutes or more than 24 hours after delivery, 3 in 30
 * days by default) at its boundaries, on orders the order system reported delivered and cases the
 * cases module opened. The clock of the cases module is moved so that each claim lands a chosen
 * number of milliseconds after its delivery; the delay is recorded in whole seconds, rounded down.
 */
describe('claim-timing rule on real delivered orders and real cases', () => {
  let t: TestApp;
  let cases: CasesService;
  let clock = new Date();

  beforeAll(async () => {
    t = await startTestApp({ simulators: true });
    const s = t.app.services;
    cases = new CasesService({
      orm: t.app.orm,
      payments: s.payments,
      refunds: s.refunds,
      ledger: s.ledger,
      notifications: s.notifications,
      rules: s.caseRules,
      risk: s.risk,
      logger: createLogger({ level: 'silent' }),
      settings: loadConfig({ NODE_ENV: 'test' }).cases,
      now: () => clock,
    });
  }, 60_000);
  afterAll(async () => t.stop());

  /** An order delivered `delayMs` (and a minute) ago, claimed `delayMs` after its delivery. */
  async function claim(customerId: string, delayMs: number): Promise<CaseView> {
    const deliveredAt = new Date(Date.now() - delayMs - 60 * SECOND);
    const paid = await newPaidOrder(t, {
      channel: 'ALIPAY',
      amountFen: 2_000,
      customerId,
      statusChangedAt: deliveredAt,
    });
    clock = new Date(deliveredAt.getTime() + delayMs);
    return cases.report(
      {
        orderId: paid.orderId,
        type: 'QUALITY',
        description: 'the rice was undercooked',
        // With evidence, so that the claims-without-evidence rule stays out of the way.
        evidence: ['https://img.example.com/rice.jpg'],
        remedy: 'FULL_REFUND',
      },
      { role: 'CUSTOMER', id: customerId },
    );
  }

  /** The claim-timing flags a case's risk assessment found on its customer. */
  const timingRuleIn = (view: CaseView): string[] =>
    ((view.risk as { flags?: { ruleId: string }[] } | null)?.flags ?? [])
      .map((f) => f.ruleId)
      .filter((id) => id === 'claim-timing');

  const timingFlags = async (customerId: string) => {
    const res = await t.gql<{
      riskFlags: { edges: { node: { figures: { name: string; value: string }[]; trigger: string } }[] };
    }>(
      `query($f: RiskFlagFilter) { riskFlags(first: 10, filter: $f) { edges { node { trigger figures { name value } } } } }`,
      { f: { subjectId: customerId, ruleId: 'claim-timing' } },
      SUPPORT,
    );
    expect(res.errors).toBeUndefined();
    return res.data!.riskFlags.edges.map((e) => e.node);
  };

  it('counts 119.999 s and 86,401 s as odd, 120 s and 86,400.999 s not; the third odd claim flags the next report', async () => {
    const customerId = `c_timing_${randomUUID().slice(0, 8)}`;
    const delays = [119.999 * SECOND, 120 * SECOND, DAY + 999, DAY + SECOND, 60 * SECOND];
    const opened: CaseView[] = [];
    for (const delay of delays) opened.push(await claim(customerId, delay));
    expect(opened.map((c) => c.claimDelaySeconds)).toEqual([119, 120, 86_400, 86_401, 60]);
    // When the fifth was reported, two odd claims stood before it (119 s and 86,401 s): nothing raised.
    // Counting 120 s as fast or 86,400 s as late would have made it three, and flagged it.
    expect(await timingFlags(customerId)).toEqual([]);
    expect(opened.flatMap(timingRuleIn)).toEqual([]);

    const sixth = await claim(customerId, 120 * SECOND);
    expect(sixth.claimDelaySeconds).toBe(120);
    expect(timingRuleIn(sixth)).toEqual(['claim-timing']);
    expect((sixth.risk as { routing: string }).routing).toBe('REVIEW');
    const [flag, ...more] = await timingFlags(customerId);
    expect(more).toEqual([]);
    expect(flag!.trigger).toBe('CASE');
    expect(flag!.figures).toEqual([
      { name: 'claimsFast30d', value: '2' },
      { name: 'claimsLate30d', value: '1' },
    ]);

    // The cases module's own claim figures, at the rule's bounds, count with the same predicates
    // (sql/case_claim_fast.sql, case_claim_late.sql): 119 s and 60 s fast, 86,401 s late; 120 s and
    // 86,400 s neither.
    const own = await t.app.services.caseFigures.claimFigures({
      customerId,
      from: new Date(0),
      to: new Date(Date.now() + SECOND),
      fastUnderSeconds: 120,
      lateAfterSeconds: 86_400,
    });
    expect(own).toMatchObject({ claims: 6, claimsFast: 2, claimsLate: 1 });
  });
});
