import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import {
  ledgerInvariants,
  newPaidOrder,
  requestRefund,
  SUPPORT,
  waitForRefund,
} from '../support/builders.js';
import { CASE_FIELDS, codeOf, customer, reportCase, type CaseShape } from './cases.fixtures.js';

const HOUR = 3_600_000;

describe('reporting a case (customer, over HTTP)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ simulators: true });
  }, 60_000);
  afterAll(async () => t.stop());
  afterEach(async () => {
    expect(await ledgerInvariants(t)).toEqual({ unbalanced: [], drifted: [] });
  });

  it('opens a classified case in the support queue, listed in myCases and audited', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 3_000 });
    const res = await reportCase(t, paid.customerId, {
      orderId: paid.orderId,
      type: 'OTHER', // not a type the auto-review rule settles: it waits for support
      remedy: 'PARTIAL_REFUND',
      amount: '12.50',
      evidence: ['https://img.example.com/a.jpg', ' https://img.example.com/a.jpg'],
    });
    expect(res.errors).toBeUndefined();
    const opened = res.data!.reportCase;
    expect(opened).toMatchObject({
      orderId: paid.orderId,
      customerId: paid.customerId,
      type: 'OTHER',
      channel: 'APP',
      status: 'IN_REVIEW',
      severity: 'MINOR',
      reporterRole: 'CUSTOMER',
      reporterId: paid.customerId,
      evidence: ['https://img.example.com/a.jpg'],
      requestedRemedy: 'PARTIAL_REFUND',
      requestedAmount: { amount: '12.50', minor: '1250', currency: 'CNY' },
      classification: { ruleId: 'classification', version: 1 },
      outcome: null,
      resolvedAt: null,
    });
    expect(opened.claimDelaySeconds).toBeGreaterThanOrEqual(0);

    const mine = await t.gql<{ myCases: { edges: { node: { id: string } }[] } }>(
      `{ myCases(first: 5) { edges { node { id } } } }`,
      undefined,
      customer(paid.customerId),
    );
    expect(mine.data!.myCases.edges.map((e) => e.node.id)).toEqual([opened.id]);
    const audit = await t.app.orm.em
      .fork()
      .getConnection()
      .execute(`select action, actor_role from audit_event where subject_type = 'case' and subject_id = ?`, [
        opened.id,
      ]);
    expect(audit).toEqual([{ action: 'case.reported', actor_role: 'CUSTOMER' }]);
  });

  it('classifies by type, amount and lateness (SEVERE) and records the rule version', async () => {
    const promisedAt = new Date(Date.now() - 2 * HOUR);
    const late = await newPaidOrder(t, {
      channel: 'ALIPAY',
      amountFen: 2_000,
      promisedAt,
      statusChangedAt: new Date(Date.now() - 30 * 60_000),
    });
    const res = await reportCase(t, late.customerId, { orderId: late.orderId, type: 'LATE', evidence: [] });
    expect(res.data!.reportCase).toMatchObject({ severity: 'SEVERE', status: 'IN_REVIEW' });
    expect(res.data!.reportCase.latenessSeconds).toBeGreaterThanOrEqual(89 * 60);
    const wrong = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 2_000 });
    const res2 = await reportCase(t, wrong.customerId, { orderId: wrong.orderId, type: 'WRONG_ITEM' });
    expect(res2.data!.reportCase.severity).toBe('SEVERE');
    const big = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 20_000 });
    const res3 = await reportCase(t, big.customerId, { orderId: big.orderId, type: 'QUALITY' });
    expect(res3.data!.reportCase.severity).toBe('SEVERE');
  });

  it("someone else's order and a missing order read the same: ORDER_NOT_FOUND", async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_000 });
    const other = await reportCase(t, 'c_intruder', { orderId: paid.orderId });
    const missing = await reportCase(t, 'c_intruder', { orderId: 'o_does_not_exist' });
    expect(codeOf(other)).toBe('ORDER_NOT_FOUND');
    expect(codeOf(missing)).toBe('ORDER_NOT_FOUND');
    expect(other.errors![0]!.message.replace(paid.orderId, 'X')).toBe(
      missing.errors![0]!.message.replace('o_does_not_exist', 'X'),
    );
  });

  it('refuses an unpaid order, a fully refunded one and an amount above what is refundable', async () => {
    const unpaid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_000, pay: false });
    expect(codeOf(await reportCase(t, unpaid.customerId, { orderId: unpaid.orderId }))).toBe(
      'ORDER_NOT_PAID',
    );

    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 3_000 });
    const first = await requestRefund(t, { paymentId: paid.paymentId, amountFen: 1_000 });
    const tooMuch = await reportCase(t, paid.customerId, {
      orderId: paid.orderId,
      remedy: 'PARTIAL_REFUND',
      amount: '20.01',
    });
    expect(codeOf(tooMuch)).toBe('AMOUNT_EXCEEDS_REFUNDABLE');
    expect(tooMuch.errors![0]!.extensions!['details']).toEqual({ max: '20.00', currency: 'CNY' });
    const exact = await reportCase(t, paid.customerId, {
      orderId: paid.orderId,
      type: 'OTHER',
      remedy: 'PARTIAL_REFUND',
      amount: '20.00',
    });
    expect(exact.errors).toBeUndefined();

    const rest = await requestRefund(t, { paymentId: paid.paymentId, amountFen: 2_000 });
    await waitForRefund(t, first.data!.requestRefund.refund.id, (r) => r.status === 'SUCCEEDED');
    await waitForRefund(t, rest.data!.requestRefund.refund.id, (r) => r.status === 'SUCCEEDED');
    const refunded = await reportCase(t, paid.customerId, { orderId: paid.orderId, type: 'QUALITY' });
    expect(codeOf(refunded)).toBe('ORDER_FULLY_REFUNDED');
  });

  it('refuses claims after the window of their type', async () => {
    const paid = await newPaidOrder(t, {
      channel: 'ALIPAY',
      amountFen: 1_500,
      statusChangedAt: new Date(Date.now() - 25 * HOUR),
    });
    const missing = await reportCase(t, paid.customerId, { orderId: paid.orderId, type: 'MISSING_ITEM' });
    expect(codeOf(missing)).toBe('CLAIM_WINDOW_EXPIRED');
    expect(missing.errors![0]!.extensions!['details']).toMatchObject({ type: 'MISSING_ITEM' });
    // "No reason" quality claims stay open for 7 days.
    const quality = await reportCase(t, paid.customerId, { orderId: paid.orderId, type: 'QUALITY' });
    expect(quality.errors).toBeUndefined();
  });

  it('validates evidence, description and the remedy amount with coded errors', async () => {
    const paid = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 1_500 });
    const cases: [Parameters<typeof reportCase>[2], string][] = [
      [
        { orderId: paid.orderId, evidence: Array.from({ length: 11 }, (_, i) => `https://x.example/${i}`) },
        'INVALID_EVIDENCE',
      ],
      [{ orderId: paid.orderId, evidence: ['ftp://x.example/a.jpg'] }, 'INVALID_EVIDENCE'],
      [{ orderId: paid.orderId, evidence: ['javascript:alert(1)'] }, 'INVALID_EVIDENCE'],
      [{ orderId: paid.orderId, evidence: [`https://x.example/${'a'.repeat(500)}`] }, 'INVALID_EVIDENCE'],
      [{ orderId: paid.orderId, evidence: ['not a url'] }, 'INVALID_EVIDENCE'],
      [{ orderId: paid.orderId, description: '   ' }, 'INVALID_CASE_INPUT'],
      [{ orderId: paid.orderId, description: 'x'.repeat(2001) }, 'INVALID_CASE_INPUT'],
      [{ orderId: paid.orderId, remedy: 'PARTIAL_REFUND' }, 'INVALID_CASE_INPUT'],
      [{ orderId: paid.orderId, remedy: 'FULL_REFUND', amount: '1.00' }, 'INVALID_CASE_INPUT'],
      [{ orderId: paid.orderId, remedy: 'COUPON', amount: '1.001' }, 'TOO_MANY_DECIMALS'],
      [{ orderId: paid.orderId, remedy: 'COUPON', amount: '15.01' }, 'AMOUNT_EXCEEDS_REFUNDABLE'],
    ];
    for (const [args, code] of cases) {
      expect([code, codeOf(await reportCase(t, paid.customerId, args))]).toEqual([code, code]);
    }
    // Nothing was written by any refusal.
    const mine = await t.gql<{ myCases: { edges: unknown[] } }>(
      `{ myCases { edges { cursor } } }`,
      undefined,
      customer(paid.customerId),
    );
    expect(mine.data!.myCases.edges).toEqual([]);
  });

  it('allows one open case per order and type, even when reports race', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 2_000 });
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        reportCase(t, paid.customerId, { orderId: paid.orderId, type: 'OTHER' }),
      ),
    );
    expect(results.filter((r) => r.errors === undefined)).toHaveLength(1);
    expect(results.filter((r) => codeOf(r) === 'CASE_ALREADY_OPEN')).toHaveLength(7);
    const other = await reportCase(t, paid.customerId, { orderId: paid.orderId, type: 'MISSING_ITEM' });
    expect(other.errors).toBeUndefined();
  });

  it('support opens a case on behalf of a caller; the customer sees it without the agent', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 2_000 });
    const opened = await t.gql<{ openCaseOnBehalf: CaseShape }>(
      `mutation($input: OpenCaseOnBehalfInput!) { openCaseOnBehalf(input: $input) { ${CASE_FIELDS} } }`,
      {
        input: {
          orderId: paid.orderId,
          customerId: paid.customerId,
          type: 'MISSING_ITEM',
          description: 'caller says the drink was missing',
          remedy: 'PARTIAL_REFUND',
          amount: { amount: '5.00', currency: 'CNY' },
        },
      },
      SUPPORT,
    );
    expect(opened.errors).toBeUndefined();
    expect(opened.data!.openCaseOnBehalf).toMatchObject({
      channel: 'PHONE',
      reporterRole: 'SUPPORT',
      reporterId: SUPPORT.sub,
      customerId: paid.customerId,
    });
    const asCustomer = await t.gql<{ case: CaseShape | null }>(
      `query($id: ID!) { case(id: $id) { ${CASE_FIELDS} } }`,
      { id: opened.data!.openCaseOnBehalf.id },
      customer(paid.customerId),
    );
    expect(asCustomer.data!.case).toMatchObject({
      reporterRole: 'SUPPORT',
      reporterId: null,
      assigneeId: null,
    });
    // Not the caller's order: the same answer as a missing order.
    const wrongCustomer = await t.gql(
      `mutation($input: OpenCaseOnBehalfInput!) { openCaseOnBehalf(input: $input) { id } }`,
      {
        input: {
          orderId: paid.orderId,
          customerId: 'c_someone_else',
          type: 'LATE',
          description: 'x',
          remedy: 'FULL_REFUND',
        },
      },
      SUPPORT,
    );
    expect(codeOf(wrongCustomer)).toBe('ORDER_NOT_FOUND');
  });

  it('only customers report and only support opens on behalf; others see no foreign case', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 2_000 });
    const own = await reportCase(t, paid.customerId, { orderId: paid.orderId, type: 'OTHER' });
    const id = own.data!.reportCase.id;
    for (const role of ['MERCHANT', 'RIDER', 'SUPPORT', 'FINANCE', 'ADMIN', 'SERVICE'] as const) {
      const res = await t.gql(
        `mutation($input: ReportCaseInput!) { reportCase(input: $input) { id } }`,
        { input: { orderId: paid.orderId, type: 'LATE', description: 'x', remedy: 'FULL_REFUND' } },
        { role, sub: paid.customerId },
      );
      expect([role, codeOf(res)]).toEqual([role, 'FORBIDDEN']);
    }
    const onBehalf = await t.gql(
      `mutation($input: OpenCaseOnBehalfInput!) { openCaseOnBehalf(input: $input) { id } }`,
      {
        input: {
          orderId: paid.orderId,
          customerId: paid.customerId,
          type: 'LATE',
          description: 'x',
          remedy: 'FULL_REFUND',
        },
      },
      customer(paid.customerId),
    );
    expect(codeOf(onBehalf)).toBe('FORBIDDEN');
    const anonymous = await t.gql(`query($id: ID!) { case(id: $id) { id } }`, { id });
    expect(codeOf(anonymous)).toBe('UNAUTHENTICATED');
    const seen = async (who: { role: string; sub: string }) =>
      (
        await t.gql<{ case: { id: string } | null }>(
          `query($id: ID!) { case(id: $id) { id } }`,
          { id },
          who as never,
        )
      ).data?.case?.id ?? null;
    expect(await seen(customer(paid.customerId))).toBe(id);
    expect(await seen(customer('c_other'))).toBeNull();
    expect(await seen({ role: 'MERCHANT', sub: paid.merchantId })).toBeNull(); // not liable (yet)
    expect(await seen(SUPPORT)).toBe(id);
    expect(await seen({ role: 'ADMIN', sub: 'root' })).toBe(id);
    expect(await seen({ role: 'SERVICE', sub: 'order-system' })).toBeNull();
  });
});
