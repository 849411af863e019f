import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sqlOnPool } from '../../src/db/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder, requestRefund, SERVICE, SUPPORT } from '../support/builders.js';
import { customer, reportCase } from '../cases/cases.fixtures.js';
import { seedOrders } from './risk-fixtures.js';

const ADMIN = { role: 'ADMIN', sub: 'admin_1' } as const;

const FLAG_FIELDS = `id subjectKind subjectId ruleId ruleVersion action mode status trigger triggerSubjectId
  figures { name value } thresholds { name value } evidence { refundIds orderIds customerIds payerAccount }
  clearedBy clearReason`;

interface FlagShape {
  id: string;
  subjectId: string;
  ruleId: string;
  ruleVersion: number;
  action: string;
  mode: string;
  status: string;
  trigger: string;
  triggerSubjectId: string | null;
  figures: { name: string; value: string }[];
  thresholds: { name: string; value: string }[];
  evidence: { refundIds: string[]; orderIds: string[]; customerIds: string[]; payerAccount: string | null };
  clearedBy: string | null;
  clearReason: string | null;
}

describe('online risk evaluation on refund requests (real HTTP, real PostgreSQL)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ simulators: true });
  }, 60_000);
  afterAll(async () => t.stop());

  const flagsOf = async (customerId: string, ruleId?: string) => {
    const res = await t.gql<{ riskFlags: { edges: { node: FlagShape }[] } }>(
      `query($f: RiskFlagFilter) { riskFlags(first: 50, filter: $f) { edges { node { ${FLAG_FIELDS} } } } }`,
      { f: { subjectId: customerId, ...(ruleId ? { ruleId } : {}) } },
      SUPPORT,
    );
    expect(res.errors).toBeUndefined();
    return res.data!.riskFlags.edges.map((e) => e.node);
  };

  const refundRisk = async (refundId: string) => {
    const res = await t.gql<{
      refund: { risk: { routing: string; flags: { ruleId: string; mode: string }[] } };
    }>(
      `query($id: ID!) { refund(id: $id) { risk { routing flags { ruleId mode } } } }`,
      { id: refundId },
      SUPPORT,
    );
    expect(res.errors).toBeUndefined();
    return res.data!.refund.risk;
  };

  /** `n` paid orders of one customer, each refunded once by support; returns the refund ids. */
  const refundsFor = async (customerId: string, n: number, amountFen = 1_000) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const paid = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 3_000, customerId });
      const res = await requestRefund(t, { paymentId: paid.paymentId, amountFen });
      expect(res.errors).toBeUndefined();
      ids.push(res.data!.requestRefund.refund.id);
    }
    return ids;
  };

  it('six refunds in seven days: flagged with its evidence, and the next requests are routed to review', async () => {
    const customerId = `c_abuse_${randomUUID().slice(0, 8)}`;
    const refunds = await refundsFor(customerId, 6);
    // The first three found fewer than 3 earlier refunds; the fourth found 3 and raised the flag.
    for (const id of refunds.slice(0, 3)) expect((await refundRisk(id)).routing).toBe('NONE');
    for (const id of refunds.slice(3)) expect((await refundRisk(id)).routing).toBe('REVIEW');

    const [flag, ...more] = await flagsOf(customerId, 'refund-frequency');
    expect(more).toEqual([]);
    expect(flag).toMatchObject({
      subjectId: customerId,
      ruleVersion: 1,
      action: 'REVIEW',
      mode: 'ENFORCE',
      status: 'ACTIVE',
      trigger: 'REFUND',
    });
    expect(flag!.figures).toEqual([
      { name: 'refunds7d', value: '3' },
      { name: 'refunds30d', value: '3' },
    ]);
    expect(flag!.thresholds).toEqual([
      { name: 'refunds7d', value: '3' },
      { name: 'refunds30d', value: '5' },
    ]);
    expect([...flag!.evidence.refundIds].sort()).toEqual([...refunds.slice(0, 3)].sort());

    // The next case of this customer goes to the support queue, where a clean customer's same claim is
    // approved automatically; support sees which flag routed it, the customer does not.
    const clean = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 3_000 });
    const cleanCase = await reportCase(t, clean.customerId, { orderId: clean.orderId, type: 'DAMAGED' });
    expect(cleanCase.errors).toBeUndefined();
    expect(cleanCase.data!.reportCase).toMatchObject({ autoDecided: true });

    const next = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 3_000, customerId });
    const reported = await reportCase(t, customerId, { orderId: next.orderId, type: 'DAMAGED' });
    expect(reported.errors).toBeUndefined();
    expect(reported.data!.reportCase).toMatchObject({ status: 'IN_REVIEW', autoDecided: false });
    const caseId = reported.data!.reportCase.id;
    const caseRisk = async (as: Parameters<TestApp['gql']>[2]) => {
      const res = await t.gql<{ case: { risk: string | null } | null }>(
        `query($id: ID!) { case(id: $id) { risk } }`,
        { id: caseId },
        as,
      );
      expect(res.errors).toBeUndefined();
      return res.data!.case!.risk;
    };
    const seen = JSON.parse((await caseRisk(SUPPORT))!) as { routing: string; flags: { id: string }[] };
    expect(seen.routing).toBe('REVIEW');
    expect(seen.flags.map((f) => f.id)).toContain(flag!.id);
    expect(await caseRisk(customer(customerId))).toBeNull();
  });

  it('the reports of one turn are assessed in one statement: each customer as alone, each flag raised for its own case', async () => {
    const sql = sqlOnPool(t.app.orm);
    const tag = randomUUID().slice(0, 8);
    /** Four customers with a paid order each; the first has three refunds this week (refund-frequency fires). */
    const group = async (name: string) => {
      const customers = [0, 1, 2, 3].map((i) => `c_turn_${name}${i}_${tag}`);
      await seedOrders(sql, customers[0]!, [1, 2, 3], { refunded: 3 });
      const orders = [];
      for (const customerId of customers) {
        orders.push(await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 3_000, customerId }));
      }
      return { customers, orders };
    };
    /** What each report became, with the flags its customer got (their trigger) and the routing recorded. */
    const outcomes = async (
      g: Awaited<ReturnType<typeof group>>,
      cases: { id: string; status: string; autoDecided: boolean }[],
    ) =>
      Promise.all(
        g.customers.map(async (customerId, i) => {
          const flags = await flagsOf(customerId);
          const [row] = await sql.rows<{ risk: { routing: string; flags: { id: string }[] } }>(
            `select risk from after_sales_case where id = $1`,
            [cases[i]!.id],
          );
          expect(row!.risk.flags.map((f) => f.id).sort()).toEqual(flags.map((f) => f.id).sort());
          return {
            status: cases[i]!.status,
            autoDecided: cases[i]!.autoDecided,
            routing: row!.risk.routing,
            flags: flags
              .map((f) => ({
                ruleId: f.ruleId,
                trigger: f.trigger,
                ownCase: f.triggerSubjectId === cases[i]!.id,
              }))
              .sort((a, b) => a.ruleId.localeCompare(b.ruleId)),
          };
        }),
      );

    const alone = await group('a');
    const aloneCases = [];
    for (const [i, customerId] of alone.customers.entries()) {
      const res = await reportCase(t, customerId, { orderId: alone.orders[i]!.orderId });
      expect(res.errors).toBeUndefined();
      aloneCases.push(res.data!.reportCase);
    }
    const expected = await outcomes(alone, aloneCases);
    expect(expected[0]).toMatchObject({ status: 'IN_REVIEW', autoDecided: false, routing: 'REVIEW' });
    expect(expected[0]!.flags).toContainEqual({ ruleId: 'refund-frequency', trigger: 'CASE', ownCase: true });
    for (const clean of expected.slice(1))
      expect(clean).toMatchObject({ autoDecided: true, routing: 'NONE', flags: [] });

    // The same reports, sent together: their orders, claim counts and risk's figures in one statement.
    const together = await group('t');
    const prepared = vi.spyOn(sql, 'prepared');
    let sent;
    try {
      sent = await Promise.all(
        together.customers.map((customerId, i) =>
          reportCase(t, customerId, { orderId: together.orders[i]!.orderId }),
        ),
      );
      const calls = prepared.mock.calls.map(([text, params]) => ({ text, params: params ?? [] }));
      const combined = calls.filter((call) => call.text.includes('food_order'));
      expect(combined.length).toBeGreaterThan(0);
      for (const call of combined) {
        expect(call.text).toMatch(/after_sales_case c[\s\S]*risk_customer_figures/);
      }
      // Apart from them, only the flagged customer's evidence listing (when a rule fires) reads risk's figures.
      const others = calls.filter(
        (call) =>
          !call.text.includes('food_order') && /after_sales_case c|risk_customer_figures/.test(call.text),
      );
      expect(others.map((call) => [call.params[0], call.params[5]])).toEqual([
        [[together.customers[0]], true],
      ]);
    } finally {
      prepared.mockRestore();
    }
    for (const res of sent) expect(res.errors).toBeUndefined();
    expect(
      await outcomes(
        together,
        sent.map((res) => res.data!.reportCase),
      ),
    ).toEqual(expected);

    // Asked in one turn, the four customers' figures are read by one evaluation, each flag naming its own subject.
    const direct = await group('d');
    const risk = t.app.services.risk;
    const evaluate = vi.spyOn(risk as unknown as { evaluate: (...args: unknown[]) => unknown }, 'evaluate');
    try {
      const assessed = await Promise.all(
        direct.customers.map((customerId) =>
          risk.assessCustomer({ customerId, trigger: 'CASE', subjectId: `cs_subject_of_${customerId}` }),
        ),
      );
      expect(evaluate).toHaveBeenCalledTimes(1);
      expect(assessed.map((a) => a.routing)).toEqual(expected.map((e) => e.routing));
    } finally {
      evaluate.mockRestore();
    }
    for (const [i, customerId] of direct.customers.entries()) {
      const flags = await flagsOf(customerId);
      expect(flags.map((f) => f.ruleId).sort()).toEqual(expected[i]!.flags.map((f) => f.ruleId));
      for (const flag of flags)
        expect(flag).toMatchObject({ trigger: 'CASE', triggerSubjectId: `cs_subject_of_${customerId}` });
    }
  });

  it('a report refused by its checks raises no flag, though its figures were read with the others', async () => {
    const sql = sqlOnPool(t.app.orm);
    const tag = randomUUID().slice(0, 8);
    const heavy = `c_refused_${tag}`;
    const other = `c_refused_other_${tag}`;
    await seedOrders(sql, heavy, [1, 2, 3], { refunded: 3 });
    const theirs = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 3_000, customerId: other });
    const [unknown, notMine, fine] = await Promise.all([
      reportCase(t, heavy, { orderId: `o_nowhere_${tag}` }),
      reportCase(t, heavy, { orderId: theirs.orderId }),
      reportCase(t, other, { orderId: theirs.orderId }),
    ]);
    for (const refused of [unknown, notMine]) {
      expect(refused.errors?.[0]?.extensions?.['code']).toBe('ORDER_NOT_FOUND');
    }
    expect(fine.errors).toBeUndefined();
    expect(await flagsOf(heavy)).toEqual([]);
    // Reported on an order of their own, the same customer is flagged, for that case.
    const own = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 3_000, customerId: heavy });
    const accepted = await reportCase(t, heavy, { orderId: own.orderId });
    expect(accepted.errors).toBeUndefined();
    const flags = await flagsOf(heavy);
    expect(flags.map((f) => [f.ruleId, f.triggerSubjectId])).toContainEqual([
      'refund-frequency',
      accepted.data!.reportCase.id,
    ]);
  });

  it('customers see neither flags nor rules nor the routing of their refunds', async () => {
    const asCustomer = { role: 'CUSTOMER', sub: 'c_someone' } as const;
    const flags = await t.gql(`{ riskFlags(first: 5) { edges { node { id } } } }`, {}, asCustomer);
    expect(flags.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const rules = await t.gql(`{ riskRules { id } }`, {}, asCustomer);
    expect(rules.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const paid = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 3_000, customerId: 'c_someone' });
    const refund = await requestRefund(t, { paymentId: paid.paymentId, amountFen: 100 });
    const own = await t.gql(
      `query($id: ID!) { refund(id: $id) { id risk { routing } } }`,
      { id: refund.data!.requestRefund.refund.id },
      asCustomer,
    );
    // The refund stays the customer's; only its routing reads as null.
    expect(own.errors).toBeUndefined();
    expect(own.data).toEqual({ refund: { id: refund.data!.requestRefund.refund.id, risk: null } });
    const merchant = await t.gql(`{ riskRules { id } }`, {}, { role: 'MERCHANT', sub: paid.merchantId });
    expect(merchant.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
  });

  it('clearing needs a reason, is audited, and sticks for the same activity', async () => {
    const customerId = `c_clear_${randomUUID().slice(0, 8)}`;
    await refundsFor(customerId, 4);
    const [flag] = await flagsOf(customerId, 'refund-frequency');
    const clear = (id: string, reason: string) =>
      t.gql<{ clearRiskFlag: FlagShape }>(
        `mutation($id: ID!, $reason: String!) { clearRiskFlag(id: $id, reason: $reason) { ${FLAG_FIELDS} } }`,
        { id, reason },
        SUPPORT,
      );
    expect((await clear(flag!.id, '  ')).errors?.[0]?.extensions?.['code']).toBe('RISK_REASON_REQUIRED');
    expect((await clear('rk_missing', 'x')).errors?.[0]?.extensions?.['code']).toBe('RISK_FLAG_NOT_FOUND');
    const cleared = await clear(flag!.id, 'called the customer: a batch of cold deliveries');
    expect(cleared.errors).toBeUndefined();
    expect(cleared.data!.clearRiskFlag).toMatchObject({ status: 'CLEARED', clearedBy: SUPPORT.sub });
    expect((await clear(flag!.id, 'again')).errors?.[0]?.extensions?.['code']).toBe('RISK_FLAG_NOT_ACTIVE');
    const audit = await sqlOnPool(t.app.orm).rows<{ actor_id: string; after: { reason: string } }>(
      `select actor_id, after from audit_event where action = 'risk.flag.cleared' and subject_id = $1`,
      [flag!.id],
    );
    expect(audit).toEqual([
      {
        actor_id: SUPPORT.sub,
        after: { status: 'CLEARED', reason: 'called the customer: a batch of cold deliveries' },
      },
    ]);

    // Re-evaluating the same activity does not flag again…
    const again = await t.app.services.risk.assessCustomer({ customerId, trigger: 'CASE' });
    expect(again.routing).toBe('NONE');
    expect(await flagsOf(customerId, 'refund-frequency')).toHaveLength(1);
    // …new activity does (seen by the next evaluation after it: here a case's).
    await refundsFor(customerId, 1);
    expect((await t.app.services.risk.assessCustomer({ customerId, trigger: 'CASE' })).routing).toBe(
      'REVIEW',
    );
    const flags = await flagsOf(customerId, 'refund-frequency');
    expect(flags.map((f) => f.status).sort()).toEqual(['ACTIVE', 'CLEARED']);
  });

  it('a parameter change makes a new version (audited); old flags keep theirs; a shadow rule records without routing', async () => {
    const before = `c_ver_${randomUUID().slice(0, 8)}`;
    await refundsFor(before, 4, 100);
    const [old] = await flagsOf(before, 'refund-frequency');
    expect(old!.ruleVersion).toBe(1);

    const update = (input: Record<string, unknown>, who: { role: string; sub: string } = ADMIN) =>
      t.gql<{
        updateRiskRule: {
          id: string;
          current: { version: number; mode: string; params: { name: string; value: string }[] };
        };
      }>(
        `mutation($input: UpdateRiskRuleInput!) { updateRiskRule(input: $input) { id current { version mode params { name value } } } }`,
        { input },
        who as never,
      );
    expect(
      (await update({ ruleId: 'refund-frequency', mode: 'SHADOW' }, SUPPORT)).errors?.[0]?.extensions?.[
        'code'
      ],
    ).toBe('FORBIDDEN');
    const bad = await update({ ruleId: 'refund-frequency', params: [{ name: 'refunds7d', value: 'lots' }] });
    expect(bad.errors?.[0]?.extensions?.['code']).toBe('RISK_INVALID_PARAMS');
    const unknown = await update({ ruleId: 'refund-frequency', params: [{ name: 'bogus', value: '1' }] });
    expect(unknown.errors?.[0]?.extensions?.['code']).toBe('RISK_INVALID_PARAMS');
    expect((await update({ ruleId: 'nope', mode: 'OFF' })).errors?.[0]?.extensions?.['code']).toBe(
      'RISK_RULE_NOT_FOUND',
    );

    const changed = await update({
      ruleId: 'refund-frequency',
      params: [{ name: 'refunds7d', value: '2' }],
      mode: 'SHADOW',
      note: 'try a stricter threshold in shadow first',
    });
    expect(changed.errors).toBeUndefined();
    expect(changed.data!.updateRiskRule.current).toMatchObject({ version: 2, mode: 'SHADOW' });
    expect(changed.data!.updateRiskRule.current.params).toContainEqual({ name: 'refunds7d', value: '2' });
    const versions = await t.gql<{ riskRuleVersions: { version: number }[] }>(
      `{ riskRuleVersions(ruleId: "refund-frequency") { version } }`,
      {},
      SUPPORT,
    );
    expect(versions.data!.riskRuleVersions.map((v) => v.version)).toEqual([2, 1]);
    const audit = await sqlOnPool(t.app.orm).rows<{ subject_id: string }>(
      `select subject_id from audit_event where action = 'risk.rule.changed'`,
    );
    expect(audit).toEqual([{ subject_id: 'refund-frequency:2' }]);
    // …and listed where ADMIN reads every back-office action (issue #16's one queryable place).
    const listed = await t.gql<{
      adminActions: { edges: { node: { action: string; subjectId: string; actorId: string } }[] };
    }>(
      `query($f: AdminActionFilter) { adminActions(filter: $f, first: 5) { edges { node { action subjectId actorId } } } }`,
      { f: { action: 'risk.rule.changed' } },
      ADMIN,
    );
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.adminActions.edges.map((e) => e.node)).toEqual([
      { action: 'risk.rule.changed', subjectId: 'refund-frequency:2', actorId: ADMIN.sub },
    ]);
    // Rule versions are cached per process for RISK_RULES_CACHE_MS; the change was made here, so it is seen at once.

    expect(await flagsOf(before, 'refund-frequency')).toEqual([
      expect.objectContaining({ id: old!.id, ruleVersion: 1 }),
    ]);

    const shadowed = `c_shadow_${randomUUID().slice(0, 8)}`;
    const refunds = await refundsFor(shadowed, 4, 100);
    const [shadow, ...rest] = await flagsOf(shadowed, 'refund-frequency');
    expect(rest).toEqual([]);
    expect(shadow).toMatchObject({ ruleVersion: 2, mode: 'SHADOW', status: 'ACTIVE' });
    // Raised at the third request (2 earlier refunds ≥ 2), recorded on the refunds, routing none of them.
    const risk = await refundRisk(refunds[3]!);
    expect(risk).toEqual({ routing: 'NONE', flags: [{ ruleId: 'refund-frequency', mode: 'SHADOW' }] });
    expect(
      (await t.app.services.risk.assessCustomer({ customerId: shadowed, trigger: 'CASE' })).routing,
    ).toBe('NONE');

    const restored = await update({
      ruleId: 'refund-frequency',
      params: [{ name: 'refunds7d', value: '3' }],
      mode: 'ENFORCE',
    });
    expect(restored.data!.updateRiskRule.current.version).toBe(3);
  });

  it('an automated refund for a customer whose flags block automatic refunds is refused; support may still refund', async () => {
    const updated = await t.gql(
      `mutation { updateRiskRule(input: { ruleId: "refund-amount", action: BLOCK_AUTO_REFUND }) { id } }`,
      {},
      ADMIN,
    );
    expect(updated.errors).toBeUndefined();
    const customerId = `c_block_${randomUUID().slice(0, 8)}`;
    // ¥250 refunded in a day: over ¥200 in 7 days.
    const first = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 30_000, customerId });
    expect(
      (await requestRefund(t, { paymentId: first.paymentId, amountFen: 25_000 })).errors,
    ).toBeUndefined();
    const second = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 3_000, customerId });
    const automated = await requestRefund(t, { paymentId: second.paymentId, amountFen: 500 }, SERVICE);
    expect(automated.errors?.[0]?.extensions?.['code']).toBe('RISK_REVIEW_REQUIRED');
    const byPerson = await requestRefund(t, { paymentId: second.paymentId, amountFen: 500 });
    expect(byPerson.errors).toBeUndefined();
    expect((await refundRisk(byPerson.data!.requestRefund.refund.id)).routing).toBe('BLOCK_AUTO_REFUND');
    const [flag] = await flagsOf(customerId, 'refund-amount');
    expect(flag!.figures).toContainEqual({ name: 'refunded7dMinor', value: '25000' });
  });
});
