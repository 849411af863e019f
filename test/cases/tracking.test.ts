import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { ledgerInvariants, newPaidOrder, SERVICE, SUPPORT } from '../support/builders.js';
import { codeOf, customer, waitForCase } from './cases.fixtures.js';

const MINUTE = 60_000;

describe('late-order detection and rider-position warnings', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ simulators: true });
  }, 60_000);
  afterAll(async () => t.stop());
  afterEach(async () => {
    expect(await ledgerInvariants(t)).toEqual({ unbalanced: [], drifted: [] });
  });

  async function systemCases(orderId: string) {
    return t.app.orm.em
      .fork()
      .getConnection()
      .execute<{ id: string; type: string; channel: string; status: string }[]>(
        `select id, type, channel, status from after_sales_case where order_id = ? order by type`,
        [orderId],
      );
  }

  it('detection reads a window of promised times through the index, not a scan of every order', async () => {
    const conn = t.app.orm.em.fork().getConnection();
    // 50,000 delivered orders spread over a month, so the planner has a real table to choose over.
    await conn.execute(
      `insert into food_order (id, customer_id, merchant_id, total_minor, currency, promised_at, delivered_at,
                               delivery_status, status_changed_at)
       select 'o_explain_' || g, 'c_' || (g % 5000), 'm_' || (g % 300), 2000, 'CNY',
              now() - make_interval(mins => g), now() - make_interval(mins => g) + interval '5 minutes',
              'DELIVERED', now()
         from generate_series(1, 50000) g`,
    );
    await conn.execute('analyze food_order');
    const plan = await conn.execute<{ 'QUERY PLAN': string }[]>(
      `explain select id from food_order
        where promised_at >= now() - interval '6 hours' and promised_at < now() - interval '30 minutes'
          and delivery_status <> 'CANCELLED'
          and (delivered_at is null or delivered_at > promised_at + make_interval(secs => 1800))
        order by promised_at, id limit 1000`,
    );
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain('food_order_promised_at_index');
    expect(text).not.toMatch(/Seq Scan on food_order/);
  });

  it('a detected late order opens exactly one case per type with two detector runs racing', async () => {
    const late = await newPaidOrder(t, {
      channel: 'ALIPAY',
      amountFen: 3_000,
      riderId: 'r_late',
      deliveryStatus: 'DELIVERING',
      promisedAt: new Date(Date.now() - 120 * MINUTE),
      statusChangedAt: new Date(Date.now() - 130 * MINUTE),
    });
    const onTime = await newPaidOrder(t, {
      channel: 'ALIPAY',
      amountFen: 3_000,
      promisedAt: new Date(Date.now() - 120 * MINUTE),
      statusChangedAt: new Date(Date.now() - 125 * MINUTE),
    });
    const runs = await Promise.all([
      t.app.services.cases.detectLateOrders(),
      t.app.services.cases.detectLateOrders(),
    ]);
    const opened = runs.flatMap((r) => r.opened).filter((o) => o.orderId === late.orderId);
    expect(opened.map((o) => o.type).sort()).toEqual(['LATE', 'NOT_DELIVERED']);
    const cases = await systemCases(late.orderId);
    expect(cases.map((c) => [c.type, c.channel])).toEqual([
      ['LATE', 'SYSTEM'],
      ['NOT_DELIVERED', 'SYSTEM'],
    ]);
    expect(await systemCases(onTime.orderId)).toEqual([]);
    // Once per order and type, even after the case is settled.
    const again = await t.app.services.cases.detectLateOrders();
    expect(again.opened.filter((o) => o.orderId === late.orderId)).toEqual([]);
    // The late-coupon policy proposes a coupon the customer can accept.
    const lateCase = cases.find((c) => c.type === 'LATE')!;
    const proposed = await waitForCase(t, lateCase.id, (c) => c.status === 'AWAITING_CUSTOMER');
    expect(proposed.decisions[0]).toMatchObject({
      kind: 'COUPON',
      auto: true,
      liableParty: 'RIDER',
      rule: { ruleId: 'late-coupon' },
    });
    const accepted = await t.gql<{ respondToCaseProposal: { case: { status: string } } }>(
      `mutation($id: ID!) { respondToCaseProposal(caseId: $id, accept: true) { case { status } } }`,
      { id: lateCase.id },
      customer(late.customerId),
    );
    expect(accepted.data!.respondToCaseProposal.case.status).toBe('RESOLVED');
  });

  const position = (
    orderId: string,
    minutesAgo: number,
    lat: number,
    lng: number,
    dest?: { lat: number; lng: number },
  ) =>
    t.gql<{ reportRiderPosition: { kind: string } | null }>(
      `mutation($input: RiderPositionInput!) { reportRiderPosition(input: $input) { kind detail } }`,
      {
        input: {
          orderId,
          lat,
          lng,
          recordedAt: new Date(Date.now() - minutesAgo * MINUTE).toISOString(),
          destination: dest ?? null,
        },
      },
      SERVICE,
    );

  it('a stationary rider raises one early warning, visible to support and stored for its webhook', async () => {
    const order = await newPaidOrder(t, {
      channel: 'ALIPAY',
      amountFen: 2_000,
      riderId: 'r_still',
      deliveryStatus: 'DELIVERING',
    });
    expect((await position(order.orderId, 12, 31.2304, 121.4737)).data!.reportRiderPosition).toBeNull();
    expect((await position(order.orderId, 6, 31.23041, 121.47371)).data!.reportRiderPosition).toBeNull();
    const raised = await position(order.orderId, 0, 31.23042, 121.4737);
    expect(raised.errors).toBeUndefined();
    expect(raised.data!.reportRiderPosition).toMatchObject({ kind: 'RIDER_STATIONARY' });
    expect((await position(order.orderId, 0, 31.23042, 121.4737)).data!.reportRiderPosition).toBeNull();
    const seen = await t.gql<{ orderWarnings: { kind: string; riderId: string }[] }>(
      `query($id: ID!) { orderWarnings(orderId: $id) { kind riderId } }`,
      { id: order.orderId },
      SUPPORT,
    );
    expect(seen.data!.orderWarnings).toEqual([{ kind: 'RIDER_STATIONARY', riderId: 'r_still' }]);
    const stored = await t.app.orm.em
      .fork()
      .getConnection()
      .execute(`select recipient_kind, kind from notification where dedupe_key = ?`, [
        `order:${order.orderId}:warning:RIDER_STATIONARY`,
      ]);
    expect(stored).toEqual([{ recipient_kind: 'SUPPORT', kind: 'order.warning' }]);
    expect(await systemCases(order.orderId)).toEqual([]); // a warning, not a case or a refund
  });

  it('a rider moving away from the address raises a warning; bad reports are refused', async () => {
    const order = await newPaidOrder(t, {
      channel: 'ALIPAY',
      amountFen: 2_000,
      riderId: 'r_away',
      deliveryStatus: 'DELIVERING',
    });
    const dest = { lat: 31.24, lng: 121.5 };
    expect((await position(order.orderId, 4, 31.235, 121.5, dest)).data!.reportRiderPosition).toBeNull();
    expect((await position(order.orderId, 3, 31.238, 121.5, dest)).data!.reportRiderPosition).toBeNull();
    const away = await position(order.orderId, 1, 31.232, 121.5, dest);
    expect(away.data!.reportRiderPosition).toMatchObject({ kind: 'RIDER_MOVING_AWAY' });

    expect(codeOf(await position(order.orderId, 0, 91, 0))).toBe('INVALID_CASE_INPUT');
    expect(codeOf(await position('o_missing', 0, 31, 121))).toBe('ORDER_NOT_FOUND');
    const delivered = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 2_000, riderId: 'r_done' });
    expect(codeOf(await position(delivered.orderId, 0, 31, 121))).toBe('INVALID_CASE_STATE');
    const asCustomer = await t.gql(
      `mutation($input: RiderPositionInput!) { reportRiderPosition(input: $input) { kind } }`,
      { input: { orderId: order.orderId, lat: 31, lng: 121, recordedAt: new Date().toISOString() } },
      customer(order.customerId),
    );
    expect(codeOf(asCustomer)).toBe('FORBIDDEN');
    const warningsAsCustomer = await t.gql(
      `query($id: ID!) { orderWarnings(orderId: $id) { kind } }`,
      { id: order.orderId },
      customer(order.customerId),
    );
    expect(codeOf(warningsAsCustomer)).toBe('FORBIDDEN');
  });
});
