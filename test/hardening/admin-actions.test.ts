import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCase } from '../cases/cases.fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder, requestRefund, waitForRefund } from '../support/builders.js';

interface Action {
  id: string;
  occurredAt: string;
  actorId: string;
  actorRole: string;
  action: string;
  subjectType: string;
  subjectId: string;
  after: string | null;
}
interface Page {
  adminActions: {
    edges: { cursor: string; node: Action }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const ADMIN = { role: 'ADMIN', sub: 'root_audit' } as const;
const QUERY = `query($filter: AdminActionFilter, $first: Int, $after: String) {
  adminActions(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id occurredAt actorId actorRole action subjectType subjectId after } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('admin actions: one ADMIN-only query over what the back office did', () => {
  let t: TestApp;
  let settledId: string;
  let startedAt: string;
  let ruleChangedAt: string;
  const list = async (filter: Record<string, unknown> = {}, first = 100, after?: string) => {
    const res = await t.gql<Page>(QUERY, { filter, first, after }, ADMIN);
    expect(res.errors).toBeUndefined();
    return res.data!.adminActions;
  };

  beforeAll(async () => {
    t = await startTestApp({ simulators: true });
    startedAt = new Date().toISOString();
    // A manual settlement by support (agent_1): the refund goes ABNORMAL at the provider first.
    t.app.simulators!.wechatpay!.sim.setRefundLifecycle({ mode: 'immediate', outcome: 'ABNORMAL' });
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_000, customerId: 'c_aud' });
    settledId = (await requestRefund(t, { paymentId: paid.paymentId, amountFen: 400 })).data!.requestRefund
      .refund.id;
    await waitForRefund(t, settledId, (r) => r.status === 'ABNORMAL');
    const settled = await t.gql(
      `mutation($id: ID!) { settleRefundManually(refundId: $id, note: "paid offline") { id } }`,
      { id: settledId },
      { role: 'SUPPORT', sub: 'agent_1' },
    );
    expect(settled.errors).toBeUndefined();
    // A customer's own step is not an admin action.
    expect((await reportCase(t, 'c_aud', { orderId: paid.orderId })).errors).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 20));
    ruleChangedAt = new Date().toISOString();
    // A rule change by an admin.
    const rule = await t.gql(
      `mutation($p: String!) { setCaseRuleParams(ruleId: "auto-review", params: $p, note: "tighter") { version } }`,
      {
        p: JSON.stringify({
          types: [],
          severities: ['MINOR'],
          maxAmountMinor: '5000',
          evidenceRequiredTypes: [],
          maxClaims30d: 3,
          minLatenessMinutes: 10,
        }),
      },
      { role: 'ADMIN', sub: 'root_rules' },
    );
    expect(rule.errors).toBeUndefined();
  }, 120_000);
  afterAll(async () => t.stop());

  it('lists manual settlements and rule changes with who and when, and nobody else’s steps', async () => {
    const page = await list();
    const actions = page.edges.map((e) => e.node);
    expect(actions.map((a) => a.actorRole).every((r) => ['SUPPORT', 'FINANCE', 'ADMIN'].includes(r))).toBe(
      true,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actorId: 'agent_1',
          actorRole: 'SUPPORT',
          action: 'refund.succeeded',
          subjectType: 'refund',
          subjectId: settledId,
        }),
        expect.objectContaining({ actorId: 'root_rules', actorRole: 'ADMIN', action: 'case_rule.versioned' }),
      ]),
    );
    expect(actions.some((a) => a.action === 'case.reported')).toBe(false);
    const times = actions.map((a) => a.occurredAt);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('filters by actor, action and time range', async () => {
    const byActor = await list({ actorId: 'root_rules' });
    expect(byActor.edges.map((e) => e.node.action)).toEqual(['case_rule.versioned']);
    const byAction = await list({ action: 'refund.succeeded' });
    expect(byAction.edges.map((e) => e.node.subjectId)).toEqual([settledId]);
    const before = await list({ from: startedAt, to: ruleChangedAt });
    expect(before.edges.map((e) => e.node.action)).toContain('refund.succeeded');
    expect(before.edges.map((e) => e.node.action)).not.toContain('case_rule.versioned');
    const after = await list({ from: ruleChangedAt });
    expect(after.edges.map((e) => e.node.action)).toEqual(['case_rule.versioned']);
    expect((await list({ actorId: 'nobody' })).edges).toEqual([]);
  });

  it('pages through the same actions one at a time', async () => {
    const all = (await list()).edges.map((e) => e.node.id);
    expect(all.length).toBeGreaterThan(2);
    const walked: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await list({}, 1, after);
      walked.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(walked).toEqual(all);
  });

  it('is for admins only, and refuses a forged cursor as the caller’s error', async () => {
    for (const who of [
      { role: 'FINANCE', sub: 'fin_1' },
      { role: 'SUPPORT', sub: 'agent_1' },
      { role: 'CUSTOMER', sub: 'c_aud' },
    ] as const) {
      const res = await t.gql(QUERY, {}, who);
      expect(res.errors?.[0]?.extensions?.['code'], who.role).toBe('FORBIDDEN');
    }
    expect((await t.gql(QUERY, {})).errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    const forged = Buffer.from(JSON.stringify(['not a time', 'ae_1'])).toString('base64url');
    const res = await t.gql(QUERY, { after: forged }, ADMIN);
    expect(res.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });
});
