import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { ledgerInvariants, newPaidOrder, SERVICE } from '../support/builders.js';
import {
  codeOf,
  customer,
  decideCase,
  notificationKinds,
  reportCase,
  respond,
  waitForCase,
} from './cases.fixtures.js';

async function balanceOf(t: TestApp, code: string): Promise<{ debits: string; credits: string }> {
  const rows = await t.app.orm.em
    .fork()
    .getConnection()
    .execute<{ d: string; c: string }[]>(
      `select coalesce(sum(debits_minor), 0)::text as d, coalesce(sum(credits_minor), 0)::text as c
         from ledger_account where code = ?`,
      [code],
    );
  return { debits: rows[0]!.d, credits: rows[0]!.c };
}

describe('case decisions and their execution (end to end over HTTP with the simulators)', () => {
  let t: TestApp;
  let hooks: Server;
  const pushed: {
    kind: string;
    recipientKind: string;
    recipientId: string;
    data: Record<string, unknown>;
  }[] = [];

  beforeAll(async () => {
    hooks = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        pushed.push(JSON.parse(body) as (typeof pushed)[number]);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    t = await startTestApp({
      simulators: true,
      env: {
        CASE_REFUND_FOLLOW_MS: '300',
        CASE_PROPOSAL_TIMEOUT_MS: '2500',
        NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks`,
      },
    });
    t.app.simulators!.wechatpay!.sim.setRefundLifecycle({ mode: 'immediate' });
  }, 60_000);
  afterAll(async () => {
    await t.stop();
    await new Promise((resolve) => hooks.close(resolve));
  });
  afterEach(async () => {
    // Trial balance and cached balances after every test.
    expect(await ledgerInvariants(t)).toEqual({ unbalanced: [], drifted: [] });
  });

  it('report → auto-approve → refund settled → order REFUNDED → customer notified', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 3_000 });
    const res = await reportCase(t, paid.customerId, { orderId: paid.orderId, type: 'DAMAGED' });
    expect(res.errors).toBeUndefined();
    expect(res.data!.reportCase).toMatchObject({
      status: 'EXECUTING',
      autoDecided: true,
      liableParty: 'MERCHANT',
    });
    const done = await waitForCase(t, res.data!.reportCase.id, (c) => c.status === 'RESOLVED');
    expect(done).toMatchObject({ outcome: 'FULL_REFUND', autoDecided: true });
    const [decision] = done.decisions;
    expect(decision).toMatchObject({
      seq: 1,
      kind: 'FULL_REFUND',
      amount: { minor: '3000' },
      status: 'DONE',
      auto: true,
      decidedRole: 'SYSTEM',
      rule: { ruleId: 'auto-review', version: 1 },
    });
    expect(JSON.parse(decision!.rule!.figures!)).toMatchObject({
      type: 'DAMAGED',
      claimedMinor: '3000',
      evidenceCount: 1,
      claims30d: 0,
      riskRouting: 'NONE',
      approve: true,
    });
    const order = await t.gql<{ order: { refundStatus: string } }>(
      `query($id: ID!) { order(id: $id) { refundStatus } }`,
      { id: paid.orderId },
      customer(paid.customerId),
    );
    expect(order.data!.order.refundStatus).toBe('REFUNDED');
    const kinds = await notificationKinds(t, customer(paid.customerId));
    expect(kinds).toEqual(expect.arrayContaining(['case.decided', 'case.resolved']));
    expect(kinds).toContain('REFUND_SUCCEEDED');
    expect(t.app.simulators!.wechatpay!.sim.refundsCreated(decision!.refundId!)).toBe(1);
  });

  it('reports racing in groups: one open case per order and type, each approved claim refunded once', async () => {
    // 16 concurrent reports over HTTP (the group commit takes what arrives together): duplicates per
    // order and type, and two types on some orders; every claim is one the rule approves.
    const orders = await Promise.all(
      Array.from({ length: 6 }, () => newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 3_000 })),
    );
    const [a, b, c, d, e, f] = orders as [(typeof orders)[number], ...typeof orders];
    const claims: { order: (typeof orders)[number]; type: string }[] = [
      ...Array.from({ length: 4 }, () => ({ order: a, type: 'DAMAGED' })),
      ...Array.from({ length: 3 }, () => ({ order: b!, type: 'DAMAGED' })),
      ...Array.from({ length: 2 }, () => ({ order: b!, type: 'MISSING_ITEM' })),
      { order: c!, type: 'DAMAGED' },
      { order: d!, type: 'DAMAGED' },
      { order: e!, type: 'DAMAGED' },
      ...Array.from({ length: 3 }, () => ({ order: e!, type: 'MISSING_ITEM' })),
      { order: f!, type: 'DAMAGED' },
    ];
    expect(claims).toHaveLength(16);
    const results = await Promise.all(
      claims.map(({ order, type }) =>
        reportCase(t, order.customerId, {
          orderId: order.orderId,
          type,
          remedy: 'PARTIAL_REFUND',
          amount: '10.00',
        }),
      ),
    );
    const opened = new Map<string, string>();
    results.forEach((res, i) => {
      const key = `${claims[i]!.order.orderId}/${claims[i]!.type}`;
      if (res.errors === undefined) {
        expect(opened.has(key), `${key} opened twice`).toBe(false);
        expect(res.data!.reportCase).toMatchObject({ status: 'EXECUTING', autoDecided: true });
        opened.set(key, res.data!.reportCase.id);
      } else expect(codeOf(res)).toBe('CASE_ALREADY_OPEN');
    });
    expect(opened.size).toBe(8);
    const ids = [...opened.values()];

    const db = t.app.orm.em.fork().getConnection();
    const [counts] = await db.execute<
      {
        with_report: number;
        cases: number;
        instants: number;
        decisions: number;
        refunds: number;
        reported: number;
        decided: number;
        notices: number;
        jobs: number;
      }[]
    >(
      `with ids as (select jsonb_array_elements_text(?::jsonb) as id),
            ords as (select jsonb_array_elements_text(?::jsonb) as id)
       select (select count(*) from after_sales_case where order_id in (select id from ords))::int as cases,
              (select count(distinct created_at) from after_sales_case where id in (select id from ids))::int as instants,
              (select count(*) from case_decision d join refund r on r.id = d.refund_id and r.case_id = d.case_id
                where d.case_id in (select id from ids) and d.seq = 1 and d.auto and r.amount_minor = 1000)::int as decisions,
              (select count(*) from refund where case_id in (select id from ids))::int as refunds,
              (select count(*) from refund r join after_sales_case c on c.id = r.case_id
                where r.case_id in (select id from ids) and r.created_at = c.created_at)::int as with_report,
              (select count(*) from audit_event
                where subject_id in (select id from ids) and action = 'case.reported')::int as reported,
              (select count(*) from audit_event
                where subject_id in (select id from ids) and action = 'case.decided')::int as decided,
              (select count(*) from notification
                where kind = 'case.decided' and data ->> 'caseId' in (select id from ids))::int as notices,
              (select count(*) from pgboss.job j join case_decision d on d.id = j.data ->> 'decisionId'
                 join after_sales_case c on c.id = d.case_id
                where j.name = 'cases.follow-decision' and d.case_id in (select id from ids)
                  and j.created_on = c.created_at)::int as jobs`,
      [JSON.stringify(ids), JSON.stringify(orders.map((o) => o.orderId))],
    );
    // Every case once, with its decision, refund (committed in the report's transaction), two audit
    // records, notification and the follow-up job its report queued (the job queues its own later runs).
    expect(counts).toMatchObject({
      cases: 8,
      decisions: 8,
      refunds: 8,
      with_report: 8,
      reported: 8,
      decided: 8,
      notices: 8,
      jobs: 8,
    });
    // Reports committed together share their statement's time: some went in one group.
    expect(counts!.instants).toBeLessThan(8);
    for (const id of ids) {
      const done = await waitForCase(t, id, (x) => x.status === 'RESOLVED');
      expect(done.decisions).toHaveLength(1);
      expect(t.app.simulators!.wechatpay!.sim.refundsCreated(done.decisions[0]!.refundId!)).toBe(1);
    }
  });

  it('two full-refund claims racing on one order: one refund, the other case to manual follow-up', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 3_000 });
    const results = await Promise.all(
      ['DAMAGED', 'MISSING_ITEM'].map((type) =>
        reportCase(t, paid.customerId, { orderId: paid.orderId, type }),
      ),
    );
    for (const res of results) expect(res.errors).toBeUndefined();
    const cases = await Promise.all(
      results.map((res) => waitForCase(t, res.data!.reportCase.id, (c) => c.status !== 'EXECUTING')),
    );
    // The first reservation takes the whole payment; the second is refused by the payments module's rule.
    expect(cases.map((c) => c.status).sort()).toEqual(['MANUAL_FOLLOW_UP', 'RESOLVED']);
    const refused = cases.find((c) => c.status === 'MANUAL_FOLLOW_UP')!;
    expect(refused.decisions).toMatchObject([{ kind: 'FULL_REFUND', status: 'FAILED', refundId: null }]);
    const paidBack = cases.find((c) => c.status === 'RESOLVED')!;
    expect(t.app.simulators!.wechatpay!.sim.refundsCreated(paidBack.decisions[0]!.refundId!)).toBe(1);
  });

  it('report → queue → partial refund by support', async () => {
    const paid = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 8_000 });
    const res = await reportCase(t, paid.customerId, {
      orderId: paid.orderId,
      type: 'MISSING_ITEM',
      remedy: 'PARTIAL_REFUND',
      amount: '60.00',
    });
    expect(res.data!.reportCase).toMatchObject({ status: 'IN_REVIEW', autoDecided: false });
    const queued = await waitForCase(t, res.data!.reportCase.id, () => true);
    expect(queued.decisions).toEqual([]);
    const decided = await decideCase(t, {
      caseId: res.data!.reportCase.id,
      kind: 'PARTIAL_REFUND',
      amount: '12.00',
      note: 'one drink missing',
    });
    expect(decided.errors).toBeUndefined();
    expect(decided.data!.decideCase).toMatchObject({
      replayed: false,
      case: { status: 'EXECUTING' },
      decision: { kind: 'PARTIAL_REFUND', amount: { minor: '1200' }, decidedBy: 'agent_1', auto: false },
    });
    const done = await waitForCase(t, res.data!.reportCase.id, (c) => c.status === 'RESOLVED');
    expect(done.outcome).toBe('PARTIAL_REFUND');
    const order = await t.gql<{ order: { refundStatus: string } }>(
      `query($id: ID!) { order(id: $id) { refundStatus } }`,
      { id: paid.orderId },
      SERVICE,
    );
    expect(order.data!.order.refundStatus).toBe('PARTIALLY_REFUNDED');
    // The customer sees the decision without the agent's identity.
    const mine = await t.gql<{ case: { decisions: { decidedBy: string | null; decidedRole: string }[] } }>(
      `query($id: ID!) { case(id: $id) { decisions { decidedBy decidedRole } } }`,
      { id: done.id },
      customer(paid.customerId),
    );
    expect(mine.data!.case.decisions).toEqual([{ decidedBy: null, decidedRole: 'SUPPORT' }]);
  });

  it('a double-submitted decision pays once', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 9_000 });
    const opened = await reportCase(t, paid.customerId, { orderId: paid.orderId, type: 'WRONG_ITEM' });
    const caseId = opened.data!.reportCase.id;
    const results = await Promise.all(
      Array.from({ length: 6 }, () => decideCase(t, { caseId, kind: 'PARTIAL_REFUND', amount: '40.00' })),
    );
    expect(results.map((r) => r.errors)).toEqual(Array(6).fill(undefined));
    expect(results.filter((r) => !r.data!.decideCase.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.data!.decideCase.decision.id)).size).toBe(1);
    const done = await waitForCase(t, caseId, (c) => c.status === 'RESOLVED');
    expect(done.decisions).toHaveLength(1);
    const refundId = done.decisions[0]!.refundId!;
    expect(t.app.simulators!.wechatpay!.sim.refundsCreated(refundId)).toBe(1);
    const refunds = await t.gql<{ refunds: { edges: { node: { id: string } }[] } }>(
      `query($o: ID!) { refunds(first: 10, filter: { orderId: $o }) { edges { node { id } } } }`,
      { o: paid.orderId },
      { role: 'SUPPORT', sub: 'agent_1' },
    );
    expect(refunds.data!.refunds.edges.map((e) => e.node.id)).toEqual([refundId]);
    // Deciding again on a resolved case is refused.
    const again = await decideCase(t, { caseId, kind: 'FULL_REFUND' });
    expect(codeOf(again)).toBe('INVALID_CASE_STATE');
    // The database refuses it too: a resolved case keeps its outcome, and statuses only move forward.
    const conn = t.app.orm.em.fork().getConnection();
    await expect(
      conn.execute(`update after_sales_case set outcome = 'REJECT' where id = ?`, [caseId]),
    ).rejects.toThrow(/resolved/);
    await expect(
      conn.execute(`update after_sales_case set status = 'IN_REVIEW' where id = ?`, [caseId]),
    ).rejects.toThrow(/cannot move/);
  });

  it('coupon accepted: ledger entry to the customer, a redeemable code, case resolved', async () => {
    const paid = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 4_000 });
    const opened = await reportCase(t, paid.customerId, {
      orderId: paid.orderId,
      type: 'OTHER',
      remedy: 'COUPON',
      amount: '10.00',
    });
    const caseId = opened.data!.reportCase.id;
    const proposed = await decideCase(t, { caseId, kind: 'COUPON', amount: '8.00', liableParty: 'PLATFORM' });
    expect(proposed.data!.decideCase).toMatchObject({
      case: { status: 'AWAITING_CUSTOMER' },
      decision: { status: 'PROPOSED' },
    });
    expect(codeOf(await respond(t, 'c_stranger', caseId, true))).toBe('CASE_NOT_FOUND');
    const before = await balanceOf(t, `customer:${paid.customerId}:coupons`);
    const accepted = await respond(t, paid.customerId, caseId, true);
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data!.respondToCaseProposal).toMatchObject({
      case: { status: 'RESOLVED', outcome: 'COUPON' },
      decision: { status: 'DONE', response: 'ACCEPTED' },
    });
    const code = accepted.data!.respondToCaseProposal.decision.couponCode;
    expect(code).toMatch(/^CP[0-9A-F]{20}$/);
    expect(before).toEqual({ debits: '0', credits: '0' });
    expect(await balanceOf(t, `customer:${paid.customerId}:coupons`)).toEqual({
      debits: '0',
      credits: '800',
    });
    expect(await notificationKinds(t, customer(paid.customerId))).toEqual(
      expect.arrayContaining(['case.proposal', 'case.coupon']),
    );
    expect(codeOf(await respond(t, paid.customerId, caseId, true))).toBe('INVALID_CASE_STATE');
  });

  it('coupon declined → back to the queue; then rejected', async () => {
    const paid = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 4_000 });
    const opened = await reportCase(t, paid.customerId, {
      orderId: paid.orderId,
      type: 'QUALITY',
      evidence: [],
    });
    const caseId = opened.data!.reportCase.id;
    await decideCase(t, { caseId, kind: 'COUPON', amount: '3.00' });
    const declined = await respond(t, paid.customerId, caseId, false);
    expect(declined.data!.respondToCaseProposal).toMatchObject({
      case: { status: 'IN_REVIEW' },
      decision: { status: 'DECLINED', response: 'DECLINED' },
    });
    const rejected = await decideCase(t, {
      caseId,
      kind: 'REJECT',
      note: 'no evidence of a quality problem',
    });
    expect(rejected.data!.decideCase).toMatchObject({
      case: { status: 'RESOLVED', outcome: 'REJECT' },
      decision: { seq: 2, status: 'DONE' },
    });
    expect(await balanceOf(t, `customer:${paid.customerId}:coupons`)).toEqual({ debits: '0', credits: '0' });
  });

  it('no answer within the configured time accepts the proposal', async () => {
    const paid = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 4_000 });
    const opened = await reportCase(t, paid.customerId, {
      orderId: paid.orderId,
      type: 'OTHER',
      evidence: [],
    });
    const caseId = opened.data!.reportCase.id;
    await decideCase(t, { caseId, kind: 'COUPON', amount: '5.00', liableParty: 'MERCHANT' });
    const done = await waitForCase(t, caseId, (c) => c.status === 'RESOLVED', 15_000);
    expect(done.decisions[0]).toMatchObject({ status: 'DONE', response: 'TIMEOUT' });
    expect(await balanceOf(t, `customer:${paid.customerId}:coupons`)).toEqual({
      debits: '0',
      credits: '500',
    });
  });

  it('redelivery accepted: an event the order system can query and that reaches the webhook', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 2_500 });
    const opened = await reportCase(t, paid.customerId, {
      orderId: paid.orderId,
      type: 'WRONG_ITEM',
      remedy: 'REDELIVERY',
    });
    const caseId = opened.data!.reportCase.id;
    const before = await t.gql<{ redeliveries: { id: string }[] }>(
      `{ redeliveries(first: 500) { id } }`,
      undefined,
      SERVICE,
    );
    expect(before.errors).toBeUndefined();
    const last = before.data!.redeliveries.at(-1)?.id ?? null;
    await decideCase(t, { caseId, kind: 'REDELIVERY' });
    const accepted = await respond(t, paid.customerId, caseId, true);
    expect(accepted.data!.respondToCaseProposal.case).toMatchObject({
      status: 'RESOLVED',
      outcome: 'REDELIVERY',
    });
    const after = await t.gql<{ redeliveries: { caseId: string; orderId: string; merchantId: string }[] }>(
      `query($after: ID) { redeliveries(after: $after) { caseId orderId merchantId } }`,
      { after: last },
      SERVICE,
    );
    expect(after.data!.redeliveries).toEqual([
      { caseId, orderId: paid.orderId, merchantId: paid.merchantId },
    ]);
    const denied = await t.gql(`{ redeliveries { id } }`, undefined, customer(paid.customerId));
    expect(codeOf(denied)).toBe('FORBIDDEN');
    const deadline = Date.now() + 10_000;
    while (
      !pushed.some((p) => p.kind === 'case.redelivery' && p.recipientId === paid.merchantId) &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(
      pushed.filter((p) => p.kind === 'case.redelivery' && p.recipientId === paid.merchantId),
    ).toHaveLength(1);
  });

  it('refuses decisions with bad amounts or parties, and from anyone but support', async () => {
    const paid = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 2_000 });
    const opened = await reportCase(t, paid.customerId, {
      orderId: paid.orderId,
      type: 'QUALITY',
      evidence: [],
    });
    const caseId = opened.data!.reportCase.id;
    expect(codeOf(await decideCase(t, { caseId, kind: 'PARTIAL_REFUND', amount: '20.01' }))).toBe(
      'AMOUNT_EXCEEDS_REFUNDABLE',
    );
    expect(codeOf(await decideCase(t, { caseId, kind: 'PARTIAL_REFUND' }))).toBe('INVALID_CASE_INPUT');
    expect(codeOf(await decideCase(t, { caseId, kind: 'REJECT', amount: '1.00' }))).toBe(
      'INVALID_CASE_INPUT',
    );
    expect(codeOf(await decideCase(t, { caseId, kind: 'FULL_REFUND', liableParty: 'RIDER' }))).toBe(
      'INVALID_CASE_INPUT',
    );
    expect(codeOf(await decideCase(t, { caseId: 'cs_missing', kind: 'REJECT' }))).toBe('CASE_NOT_FOUND');
    for (const role of ['CUSTOMER', 'MERCHANT', 'RIDER', 'FINANCE', 'SERVICE'] as const) {
      const res = await decideCase(t, { caseId, kind: 'REJECT' }, { role, sub: paid.customerId });
      expect([role, codeOf(res)]).toEqual([role, 'FORBIDDEN']);
    }
    const view = await waitForCase(t, caseId, () => true);
    expect(view).toMatchObject({ status: 'IN_REVIEW', decisions: [] });
  });
});
