import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { ledgerInvariants, newPaidOrder, SERVICE, SUPPORT } from '../support/builders.js';
import { codeOf, customer, decideCase, reportCase, respond } from './cases.fixtures.js';

interface Redemption {
  code: string;
  caseId: string;
  amount: { minor: string; currency: string };
  orderId: string;
  redeemedAt: string;
  replayed: boolean;
}

describe('case coupons redeemed by the order system', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ simulators: true });
  }, 60_000);
  afterAll(async () => {
    await t.stop();
  });
  afterEach(async () => {
    expect(await ledgerInvariants(t)).toEqual({ unbalanced: [], drifted: [] });
  });

  const redeem = (code: string, orderId: string, who: { role: string; sub: string } = SERVICE) =>
    t.gql<{ redeemCaseCoupon: Redemption }>(
      `mutation($code: String!, $orderId: ID!) { redeemCaseCoupon(code: $code, orderId: $orderId) {
         code caseId amount { minor currency } orderId redeemedAt replayed } }`,
      { code, orderId },
      who as never,
    );

  /** A COUPON decision accepted by the customer: its case and code. */
  async function acceptedCoupon(): Promise<{ caseId: string; code: string; customerId: string }> {
    const paid = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 4_000 });
    const opened = await reportCase(t, paid.customerId, {
      orderId: paid.orderId,
      type: 'OTHER',
      remedy: 'COUPON',
      amount: '6.00',
    });
    const caseId = opened.data!.reportCase.id;
    await decideCase(t, { caseId, kind: 'COUPON', amount: '6.00', liableParty: 'MERCHANT' });
    const accepted = await respond(t, paid.customerId, caseId, true);
    const code = accepted.data!.respondToCaseProposal.decision.couponCode!;
    expect(code).toMatch(/^CP[0-9A-F]{20}$/);
    return { caseId, code, customerId: paid.customerId };
  }

  it('accept → redeem → same order again (same answer) → another order refused; audited once', async () => {
    const { caseId, code } = await acceptedCoupon();
    const first = await redeem(code, 'o_next_1');
    expect(first.errors).toBeUndefined();
    expect(first.data!.redeemCaseCoupon).toMatchObject({
      code,
      caseId,
      amount: { minor: '600', currency: 'CNY' },
      orderId: 'o_next_1',
      replayed: false,
    });
    const again = await redeem(code, 'o_next_1');
    expect(again.errors).toBeUndefined();
    expect(again.data!.redeemCaseCoupon).toEqual({ ...first.data!.redeemCaseCoupon, replayed: true });
    const other = await redeem(code, 'o_next_2');
    expect(codeOf(other)).toBe('COUPON_ALREADY_REDEEMED');
    expect(other.data).toBeNull();

    const trail = await t.gql<{ case: { audit: { action: string; actorRole: string; after: string }[] } }>(
      `query($id: ID!) { case(id: $id) { audit { action actorRole after } } }`,
      { id: caseId },
      SUPPORT,
    );
    const redeemed = trail.data!.case.audit.filter((a) => a.action === 'case.coupon_redeemed');
    expect(redeemed).toHaveLength(1);
    expect(redeemed[0]!.actorRole).toBe('SERVICE');
    expect(JSON.parse(redeemed[0]!.after)).toMatchObject({ code, orderId: 'o_next_1', amountMinor: '600' });
  });

  it('an unknown code reads as not found; a bad order id is refused; nothing is written', async () => {
    expect(codeOf(await redeem('CP00000000000000000000', 'o_next_1'))).toBe('COUPON_NOT_FOUND');
    expect(codeOf(await redeem('nonsense', 'o_next_1'))).toBe('COUPON_NOT_FOUND');
    const { code } = await acceptedCoupon();
    expect(codeOf(await redeem(code, ''))).toBe('BAD_USER_INPUT');
    expect(codeOf(await redeem(code, 'x'.repeat(65)))).toBe('BAD_USER_INPUT');
    // Still redeemable after the refusals.
    expect((await redeem(code, 'o_after_refusals')).data!.redeemCaseCoupon.replayed).toBe(false);
  });

  it('only the order system redeems: every other role is refused, the coupon stays unredeemed', async () => {
    const { code, customerId } = await acceptedCoupon();
    for (const who of [
      customer(customerId),
      { role: 'MERCHANT', sub: 'm_1' },
      { role: 'RIDER', sub: 'r_1' },
      SUPPORT,
      { role: 'FINANCE', sub: 'f_1' },
      { role: 'ADMIN', sub: 'root' },
    ]) {
      expect([who.role, codeOf(await redeem(code, 'o_theirs', who))]).toEqual([who.role, 'FORBIDDEN']);
    }
    const anonymous = await t.gql(
      `mutation { redeemCaseCoupon(code: "${code}", orderId: "o_theirs") { code } }`,
    );
    expect(codeOf(anonymous)).toBe('UNAUTHENTICATED');
    expect((await redeem(code, 'o_service')).data!.redeemCaseCoupon).toMatchObject({
      orderId: 'o_service',
      replayed: false,
    });
  });

  it('two orders redeeming the same coupon at once: exactly one wins', async () => {
    const { code } = await acceptedCoupon();
    const orders = Array.from({ length: 8 }, (_, i) => `o_race_${i}`);
    const results = await Promise.all(orders.map((o) => redeem(code, o)));
    const winners = results.filter((r) => r.data?.redeemCaseCoupon);
    expect(winners).toHaveLength(1);
    expect(results.map(codeOf).filter((c) => c === 'COUPON_ALREADY_REDEEMED')).toHaveLength(7);
    const winner = winners[0]!.data!.redeemCaseCoupon.orderId;
    const row = await t.app.orm.em
      .fork()
      .getConnection()
      .execute<{ redeemed_order_id: string }[]>(`select redeemed_order_id from case_coupon where code = ?`, [
        code,
      ]);
    expect(row[0]!.redeemed_order_id).toBe(winner);
    // The same order racing itself: both answered, one of them as a replay.
    const { code: second } = await acceptedCoupon();
    const same = await Promise.all([redeem(second, 'o_twice'), redeem(second, 'o_twice')]);
    expect(same.map((r) => r.data!.redeemCaseCoupon.replayed).sort()).toEqual([false, true]);
  });
});
