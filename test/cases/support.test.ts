import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { ledgerInvariants, newPaidOrder, SUPPORT } from '../support/builders.js';
import {
  CASE_FIELDS,
  codeOf,
  customer,
  decideCase,
  notificationKinds,
  reportCase,
  waitForCase,
  type CaseShape,
} from './cases.fixtures.js';

const AGENT_2 = { role: 'SUPPORT', sub: 'agent_2' } as const;
const ADMIN = { role: 'ADMIN', sub: 'root' } as const;

describe('support queue, evidence, appeals, audit, rating and metrics (over HTTP)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ simulators: true, env: { CASE_REFUND_FOLLOW_MS: '300' } });
    t.app.simulators!.wechatpay!.sim.setRefundLifecycle({ mode: 'immediate' });
  }, 60_000);
  afterAll(async () => t.stop());
  afterEach(async () => {
    expect(await ledgerInvariants(t)).toEqual({ unbalanced: [], drifted: [] });
  });

  const queue = (
    filter: Record<string, unknown>,
    sort = 'OLDEST',
    who: { role: string; sub: string } = SUPPORT,
  ) =>
    t.gql<{ caseQueue: { edges: { node: CaseShape }[] } }>(
      `query($f: CaseQueueFilter, $s: CaseQueueSort) { caseQueue(first: 50, filter: $f, sort: $s) { edges { node { ${CASE_FIELDS} } } } }`,
      { f: filter, s: sort },
      who as never,
    );

  it('lists the queue with filters, sorting and counts; assign and take', async () => {
    const merchantId = `m_q_${Date.now()}`;
    const a = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 2_000, merchantId });
    const b = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 2_000, merchantId });
    const first = (await reportCase(t, a.customerId, { orderId: a.orderId, type: 'OTHER' })).data!.reportCase;
    const second = (await reportCase(t, b.customerId, { orderId: b.orderId, type: 'WRONG_ITEM' })).data!
      .reportCase;
    const all = await queue({ merchantId });
    expect(all.data!.caseQueue.edges.map((e) => e.node.id)).toEqual([first.id, second.id]);
    const newest = await queue({ merchantId }, 'NEWEST');
    expect(newest.data!.caseQueue.edges.map((e) => e.node.id)).toEqual([second.id, first.id]);
    const severe = await queue({ merchantId, severity: 'SEVERE' });
    expect(severe.data!.caseQueue.edges.map((e) => e.node.id)).toEqual([second.id]);
    const typed = await queue({ merchantId, type: 'OTHER' });
    expect(typed.data!.caseQueue.edges.map((e) => e.node.id)).toEqual([first.id]);
    const old = await queue({ merchantId, olderThanMinutes: 60 });
    expect(old.data!.caseQueue.edges).toEqual([]);

    const taken = await t.gql<{ takeCase: CaseShape }>(
      `mutation($id: ID!) { takeCase(caseId: $id) { ${CASE_FIELDS} } }`,
      { id: first.id },
      SUPPORT,
    );
    expect(taken.data!.takeCase.assigneeId).toBe(SUPPORT.sub);
    const assigned = await t.gql<{ assignCase: CaseShape }>(
      `mutation($id: ID!) { assignCase(caseId: $id, assigneeId: "agent_2") { ${CASE_FIELDS} } }`,
      { id: second.id },
      SUPPORT,
    );
    expect(assigned.data!.assignCase.assigneeId).toBe('agent_2');
    const mine = await queue({ merchantId, assigneeId: 'agent_2' });
    expect(mine.data!.caseQueue.edges.map((e) => e.node.id)).toEqual([second.id]);
    const unassigned = await queue({ merchantId, assigneeId: '' });
    expect(unassigned.data!.caseQueue.edges).toEqual([]);

    const counts = await t.gql<{ caseQueueCounts: { status: string; count: number }[] }>(
      `query($f: CaseQueueFilter) { caseQueueCounts(filter: $f) { status count } }`,
      { f: { merchantId } },
      ADMIN,
    );
    expect(counts.data!.caseQueueCounts).toEqual([{ status: 'IN_REVIEW', count: 2 }]);
    for (const who of [
      customer(a.customerId),
      { role: 'MERCHANT', sub: merchantId },
      { role: 'FINANCE', sub: 'f' },
    ]) {
      expect(codeOf(await queue({ merchantId }, 'OLDEST', who))).toBe('FORBIDDEN');
    }
  });

  it('more evidence requested, then supplied, then decided', async () => {
    const paid = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 3_000 });
    const opened = (
      await reportCase(t, paid.customerId, { orderId: paid.orderId, type: 'QUALITY', evidence: [] })
    ).data!.reportCase;
    const asked = await t.gql<{ requestCaseEvidence: CaseShape }>(
      `mutation($id: ID!) { requestCaseEvidence(caseId: $id, note: "a photo of the dish, please") { ${CASE_FIELDS} } }`,
      { id: opened.id },
      SUPPORT,
    );
    expect(asked.data!.requestCaseEvidence.status).toBe('AWAITING_EVIDENCE');
    expect(await notificationKinds(t, customer(paid.customerId))).toContain('case.evidence_requested');
    const supply = (who: { role: string; sub: string }, urls: string[]) =>
      t.gql<{ supplyCaseEvidence: CaseShape }>(
        `mutation($id: ID!, $e: [String!]!) { supplyCaseEvidence(caseId: $id, evidence: $e) { ${CASE_FIELDS} } }`,
        { id: opened.id, e: urls },
        who as never,
      );
    expect(codeOf(await supply(customer('c_other'), ['https://img.example.com/x.jpg']))).toBe(
      'CASE_NOT_FOUND',
    );
    expect(codeOf(await supply(customer(paid.customerId), ['file:///etc/passwd']))).toBe('INVALID_EVIDENCE');
    const supplied = await supply(customer(paid.customerId), ['https://img.example.com/dish.jpg']);
    expect(supplied.data!.supplyCaseEvidence).toMatchObject({
      status: 'IN_REVIEW',
      evidence: ['https://img.example.com/dish.jpg'],
    });
    const decided = await decideCase(t, { caseId: opened.id, kind: 'PARTIAL_REFUND', amount: '10.00' });
    expect(decided.errors).toBeUndefined();
    await waitForCase(t, opened.id, (c) => c.status === 'RESOLVED');
  });

  async function resolvedRefundCase(amountFen: number, decider = SUPPORT) {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen });
    const opened = (await reportCase(t, paid.customerId, { orderId: paid.orderId, type: 'WRONG_ITEM' })).data!
      .reportCase;
    await decideCase(t, { caseId: opened.id, kind: 'FULL_REFUND', liableParty: 'MERCHANT' }, decider);
    await waitForCase(t, opened.id, (c) => c.status === 'RESOLVED');
    return { paid, caseId: opened.id };
  }

  const appeal = (caseId: string, who: { role: string; sub: string }) =>
    t.gql<{ appealCase: { id: string; status: string } }>(
      `mutation($id: ID!) { appealCase(caseId: $id, statement: "the bag was sealed when the rider took it", evidence: ["https://img.example.com/seal.jpg"]) { id status } }`,
      { id: caseId },
      who as never,
    );
  const review = (
    appealId: string,
    overturn: boolean,
    who: { role: string; sub: string },
    newLiableParty?: string,
  ) =>
    t.gql<{ reviewAppeal: { status: string; newLiableParty: string | null; ledgerEntryId: string | null } }>(
      `mutation($id: ID!, $o: Boolean!, $l: LiableParty) { reviewAppeal(appealId: $id, overturn: $o, newLiableParty: $l, note: "seal photo checked") { status newLiableParty ledgerEntryId } }`,
      { id: appealId, o: overturn, l: newLiableParty ?? null },
      who as never,
    );
  async function balance(code: string): Promise<bigint> {
    const rows = await t.app.orm.em
      .fork()
      .getConnection()
      .execute<{ net: string }[]>(
        `select coalesce(sum(credits_minor - debits_minor), 0)::text as net from ledger_account where code = ?`,
        [code],
      );
    return BigInt(rows[0]!.net);
  }

  it('appeal upheld: nothing moves', async () => {
    const { paid, caseId } = await resolvedRefundCase(2_000);
    const merchant = { role: 'MERCHANT', sub: paid.merchantId };
    expect(codeOf(await appeal(caseId, { role: 'MERCHANT', sub: 'm_other' }))).toBe('CASE_NOT_FOUND');
    expect(codeOf(await appeal(caseId, { role: 'RIDER', sub: 'r_1' }))).toBe('CASE_NOT_FOUND');
    const filed = await appeal(caseId, merchant);
    expect(filed.data!.appealCase.status).toBe('PENDING');
    expect(codeOf(await appeal(caseId, merchant))).toBe('APPEAL_EXISTS');
    const before = await balance(`merchant:${paid.merchantId}:payable`);
    expect(codeOf(await review(filed.data!.appealCase.id, false, SUPPORT))).toBe('SAME_REVIEWER');
    const upheld = await review(filed.data!.appealCase.id, false, AGENT_2);
    expect(upheld.data!.reviewAppeal).toEqual({
      status: 'UPHELD',
      newLiableParty: null,
      ledgerEntryId: null,
    });
    expect(await balance(`merchant:${paid.merchantId}:payable`)).toBe(before);
    expect(codeOf(await review(filed.data!.appealCase.id, true, AGENT_2, 'PLATFORM'))).toBe(
      'INVALID_CASE_STATE',
    );
    expect(await notificationKinds(t, merchant)).toContain('case.appeal_decided');
  });

  it('appeal overturned: the ledger moves the cost to the platform and the customer keeps the money', async () => {
    const { paid, caseId } = await resolvedRefundCase(2_500);
    const merchantBefore = await balance(`merchant:${paid.merchantId}:payable`);
    const platformBefore = await balance('platform:compensation');
    const filed = await appeal(caseId, { role: 'MERCHANT', sub: paid.merchantId });
    const overturned = await review(filed.data!.appealCase.id, true, AGENT_2, 'PLATFORM');
    expect(overturned.errors).toBeUndefined();
    expect(overturned.data!.reviewAppeal).toMatchObject({ status: 'OVERTURNED', newLiableParty: 'PLATFORM' });
    expect(overturned.data!.reviewAppeal.ledgerEntryId).toBeTruthy();
    // Merchant payable (a liability) is credited back 25.00; platform compensation (an expense) debited.
    expect((await balance(`merchant:${paid.merchantId}:payable`)) - merchantBefore).toBe(2_500n);
    expect(platformBefore - (await balance('platform:compensation'))).toBe(2_500n);
    // The customer's refund is untouched.
    const order = await t.gql<{
      order: { refundStatus: string; payments: { refunded: { minor: string } }[] };
    }>(
      `query($id: ID!) { order(id: $id) { refundStatus payments { refunded { minor } } } }`,
      { id: paid.orderId },
      customer(paid.customerId),
    );
    expect(order.data!.order).toEqual({
      refundStatus: 'REFUNDED',
      payments: [{ refunded: { minor: '2500' } }],
    });
    const view = await waitForCase(t, caseId, () => true);
    expect(view).toMatchObject({ status: 'RESOLVED', outcome: 'FULL_REFUND', liableParty: 'PLATFORM' });
    // No longer liable: the merchant no longer sees the case.
    const asMerchant = await t.gql<{ case: { id: string } | null }>(
      `query($id: ID!) { case(id: $id) { id } }`,
      { id: caseId },
      { role: 'MERCHANT', sub: paid.merchantId },
    );
    expect(asMerchant.data!.case).toBeNull();
  });

  it('audit trail for support and admins only; rating once after resolution', async () => {
    const { paid, caseId } = await resolvedRefundCase(1_200);
    const audit = (who: { role: string; sub: string }) =>
      t.gql<{ case: { audit: { action: string; actorRole: string }[] | null } | null }>(
        `query($id: ID!) { case(id: $id) { audit { action actorRole actorId before after } } }`,
        { id: caseId },
        who as never,
      );
    const trail = (await audit(SUPPORT)).data!.case!.audit!.map((a) => `${a.action}:${a.actorRole}`);
    expect(trail).toEqual(['case.reported:CUSTOMER', 'case.decided:SUPPORT', 'case.resolved:SYSTEM']);
    expect((await audit(ADMIN)).data!.case!.audit).toHaveLength(3);
    expect((await audit(customer(paid.customerId))).data!.case!.audit).toBeNull();

    const rate = (who: { role: string; sub: string }, rating: number) =>
      t.gql<{ rateCase: { rating: number } }>(
        `mutation($id: ID!, $r: Int!) { rateCase(caseId: $id, rating: $r, comment: "quick") { rating } }`,
        { id: caseId, r: rating },
        who as never,
      );
    expect(codeOf(await rate(customer(paid.customerId), 6))).toBe('INVALID_CASE_INPUT');
    expect(codeOf(await rate(customer('c_other'), 5))).toBe('CASE_NOT_FOUND');
    expect((await rate(customer(paid.customerId), 4)).data!.rateCase.rating).toBe(4);
    expect(codeOf(await rate(customer(paid.customerId), 5))).toBe('INVALID_CASE_STATE');
  });

  it('metrics add up against the cases created in the test', async () => {
    const from = new Date();
    await new Promise((r) => setTimeout(r, 5));
    const auto = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_000 });
    const autoCase = (await reportCase(t, auto.customerId, { orderId: auto.orderId, type: 'DAMAGED' })).data!
      .reportCase;
    const { paid, caseId } = await resolvedRefundCase(3_000);
    const rejected = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 1_000 });
    const rejectedCase = (
      await reportCase(t, rejected.customerId, { orderId: rejected.orderId, type: 'OTHER' })
    ).data!.reportCase;
    await decideCase(t, { caseId: rejectedCase.id, kind: 'REJECT' });
    const open = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 1_000 });
    await t.gql(
      `mutation($input: OpenCaseOnBehalfInput!) { openCaseOnBehalf(input: $input) { id } }`,
      {
        input: {
          orderId: open.orderId,
          customerId: open.customerId,
          type: 'LATE',
          description: 'called',
          remedy: 'FULL_REFUND',
        },
      },
      SUPPORT,
    );
    await waitForCase(t, autoCase.id, (c) => c.status === 'RESOLVED');
    const filed = await appeal(caseId, { role: 'MERCHANT', sub: paid.merchantId });
    await review(filed.data!.appealCase.id, true, AGENT_2, 'PLATFORM');
    await t.gql(
      `mutation($id: ID!) { rateCase(caseId: $id, rating: 2) { id } }`,
      { id: caseId },
      customer(paid.customerId),
    );
    const to = new Date(Date.now() + 1_000);

    const res = await t.gql<{ caseMetrics: Record<string, unknown> }>(
      `query($from: DateTimeISO!, $to: DateTimeISO!) { caseMetrics(from: $from, to: $to) {
         cases byType byOutcome byChannel autoApproved autoApprovalRate refundsSettled refundsSettledWithin24h
         refundTotalsByLiable couponTotalsByLiable appeals appealRate overturned overturnRate ratings averageRating
         firstReviewSeconds { p50 } resolutionSeconds { p90 } refundSettleSeconds { p50 } } }`,
      { from: from.toISOString(), to: to.toISOString() },
      ADMIN,
    );
    expect(res.errors).toBeUndefined();
    const m = res.data!.caseMetrics;
    expect(m).toMatchObject({
      cases: 4,
      autoApproved: 1,
      autoApprovalRate: 0.25,
      refundsSettled: 2,
      refundsSettledWithin24h: 2,
      appeals: 1,
      overturned: 1,
      overturnRate: 1,
      ratings: 1,
      averageRating: 2,
    });
    expect(JSON.parse(m['byType'] as string)).toEqual({ DAMAGED: 1, WRONG_ITEM: 1, OTHER: 1, LATE: 1 });
    expect(JSON.parse(m['byOutcome'] as string)).toEqual({ FULL_REFUND: 2, REJECT: 1, OPEN: 1 });
    expect(JSON.parse(m['byChannel'] as string)).toEqual({ APP: 3, PHONE: 1 });
    expect(JSON.parse(m['refundTotalsByLiable'] as string)).toEqual({ MERCHANT: '1000', PLATFORM: '3000' });
    expect(m['appealRate']).toBe(0.5);
    expect(
      codeOf(
        await t.gql(
          `{ caseMetrics(from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { cases } }`,
          undefined,
          customer('c'),
        ),
      ),
    ).toBe('FORBIDDEN');
  });

  it('admins version rule parameters; a new version is in force and recorded on new cases', async () => {
    const set = (params: unknown, who: { role: string; sub: string } = ADMIN) =>
      t.gql<{ setCaseRuleParams: { ruleId: string; version: number } }>(
        `mutation($p: String!) { setCaseRuleParams(ruleId: "auto-review", params: $p, note: "no automatic approvals") { ruleId version } }`,
        { p: JSON.stringify(params) },
        who as never,
      );
    const params = {
      types: [],
      severities: ['MINOR'],
      maxAmountMinor: '5000',
      evidenceRequiredTypes: [],
      maxClaims30d: 3,
      minLatenessMinutes: 10,
    };
    expect(codeOf(await set({ ...params, maxAmountMinor: 12.5 }))).toBe('INVALID_RULE_PARAMS');
    expect(codeOf(await set(params, SUPPORT))).toBe('FORBIDDEN');
    const v2 = await set(params);
    expect(v2.errors).toBeUndefined();
    expect(v2.data!.setCaseRuleParams).toEqual({ ruleId: 'auto-review', version: 2 });
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_000 });
    const opened = await t.gql<{ reportCase: { id: string; status: string } }>(
      `mutation($input: ReportCaseInput!) { reportCase(input: $input) { id status } }`,
      {
        input: {
          orderId: paid.orderId,
          type: 'DAMAGED',
          description: 'spilled',
          evidence: ['https://img.example.com/s.jpg'],
          remedy: 'FULL_REFUND',
        },
      },
      customer(paid.customerId),
    );
    expect(opened.data!.reportCase.status).toBe('IN_REVIEW');
    const seen = await t.gql<{ case: { review: { ruleId: string; version: number } } }>(
      `query($id: ID!) { case(id: $id) { review { ruleId version } } }`,
      { id: opened.data!.reportCase.id },
      SUPPORT,
    );
    expect(seen.data!.case.review).toEqual({ ruleId: 'auto-review', version: 2 });
    const versions = await t.gql<{ caseRuleVersions: { version: number }[] }>(
      `{ caseRuleVersions(ruleId: "auto-review") { version createdBy } }`,
      undefined,
      ADMIN,
    );
    expect(versions.data!.caseRuleVersions.map((v) => v.version)).toEqual([2, 1]);
    // Restore the default for the other tests of this file.
    const defaults = {
      ...params,
      types: ['LATE', 'DAMAGED', 'MISSING_ITEM', 'QUALITY'],
      evidenceRequiredTypes: ['DAMAGED', 'QUALITY', 'WRONG_ITEM'],
    };
    expect((await set(defaults)).data!.setCaseRuleParams.version).toBe(3);
  });
});
