import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, sqlOnPool, type Orm } from '../../src/db/index.js';
import { createTestOrm } from '../support/db.js';

/**
 * `payment_refund_reserve` is the one home of the refund rules (cap, currency, order, window, count):
 * it reserves in one conditional UPDATE, or names the first rule that says no, in the order callers
 * report them. Rules: WeChat Pay at most 2 refunds within 10 days, Alipay 3 within 20.
 */
describe('payment_refund_reserve', () => {
  let orm: Orm;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ orm, close } = await createTestOrm(2));
  });
  afterAll(async () => close());

  async function payment(p: {
    channel?: string;
    amountMinor?: number;
    reservedMinor?: number;
    refundCount?: number;
    capturedDaysAgo?: number;
  }): Promise<{ id: string; orderId: string }> {
    const conn = orm.em.getConnection();
    const suffix = newId('x').slice(2);
    const orderId = `o_${suffix}`;
    const id = `pay_${suffix}`;
    await conn.execute(
      `insert into food_order (id, customer_id, merchant_id, total_minor, currency, delivery_status, status_changed_at)
       values (?, 'c_1', 'm_1', 10000, 'CNY', 'DELIVERED', now())`,
      [orderId],
    );
    await conn.execute(
      `insert into payment (id, order_id, customer_id, merchant_id, channel, out_trade_no, amount_minor, currency,
                            reserved_minor, refund_count, source, captured_at)
       values (?, ?, 'c_1', 'm_1', ?, ?, ?, 'CNY', ?, ?, 'TEST', now() - make_interval(days => ?))`,
      [
        id,
        orderId,
        p.channel ?? 'WECHAT_PAY',
        `T${suffix}`,
        p.amountMinor ?? 1_000,
        p.reservedMinor ?? 0,
        p.refundCount ?? 0,
        p.capturedDaysAgo ?? 1,
      ],
    );
    return { id, orderId };
  }

  async function reserve(
    paymentId: string,
    request: { orderId?: string | null; currency?: string; amountMinor: number },
  ): Promise<{ refusal: string | null; reserved: string; count: number }> {
    const conn = orm.em.getConnection();
    const [row] = await conn.execute<{ o_refusal: string | null }[]>(
      `select o_refusal from payment_refund_reserve(?, ?, ?, ?, 2, 3, 10, 20)`,
      [paymentId, request.orderId ?? null, request.currency ?? 'CNY', request.amountMinor],
    );
    const [after] = await conn.execute<{ reserved_minor: string; refund_count: number }[]>(
      `select reserved_minor, refund_count from payment where id = ?`,
      [paymentId],
    );
    return {
      refusal: row!.o_refusal,
      reserved: String(after?.reserved_minor ?? 'none'),
      count: after?.refund_count ?? -1,
    };
  }

  it('reserves within every rule, up to the whole amount', async () => {
    const p = await payment({ amountMinor: 1_000, reservedMinor: 400, refundCount: 1 });
    expect(await reserve(p.id, { orderId: p.orderId, amountMinor: 600 })).toEqual({
      refusal: null,
      reserved: '1000',
      count: 2,
    });
  });

  // Each row breaks the rules from its position on (and keeps the earlier ones), so the first broken
  // rule must be the one named: the order callers report.
  const cases: [
    string,
    Parameters<typeof payment>[0],
    { order?: 'other'; currency?: string; amount: number },
  ][] = [
    [
      'PAYMENT_NOT_FOUND',
      { refundCount: 2, capturedDaysAgo: 30 },
      { order: 'other', currency: 'USD', amount: 5_000 },
    ],
    ['CURRENCY_MISMATCH', { refundCount: 2, capturedDaysAgo: 30 }, { currency: 'USD', amount: 5_000 }],
    ['REFUND_WINDOW_EXPIRED', { refundCount: 2, capturedDaysAgo: 11 }, { amount: 5_000 }],
    ['TOO_MANY_PARTIAL_REFUNDS', { refundCount: 2 }, { amount: 5_000 }],
    ['REFUND_EXCEEDS_REMAINING', { reservedMinor: 900 }, { amount: 101 }],
    // Alipay's own limits: 20 days, 3 refunds.
    ['REFUND_WINDOW_EXPIRED', { channel: 'ALIPAY', capturedDaysAgo: 21 }, { amount: 1 }],
    ['TOO_MANY_PARTIAL_REFUNDS', { channel: 'ALIPAY', refundCount: 3, capturedDaysAgo: 15 }, { amount: 1 }],
  ];
  it.each(cases)('refuses with %s and writes nothing', async (refusal, setup, request) => {
    const p = await payment(setup);
    const before = await reserve(p.id, { amountMinor: 0, currency: 'XXX' }); // refused: reads only
    const result = await reserve(p.id, {
      orderId: request.order === 'other' ? 'o_other' : p.orderId,
      currency: request.currency ?? 'CNY',
      amountMinor: request.amount,
    });
    expect(result).toEqual({ refusal, reserved: before.reserved, count: before.count });
  });

  it('an unknown payment is PAYMENT_NOT_FOUND', async () => {
    expect((await reserve('pay_unknown', { amountMinor: 1 })).refusal).toBe('PAYMENT_NOT_FOUND');
  });

  it('Alipay within its own limits still reserves', async () => {
    const p = await payment({ channel: 'ALIPAY', refundCount: 2, capturedDaysAgo: 15 });
    expect((await reserve(p.id, { amountMinor: 1 })).refusal).toBeNull();
  });
  it('several payments in one call (payment_refund_reserve_many): each request decided as alone, in order', async () => {
    const setups: [Parameters<typeof payment>[0], number][] = cases.map(([, setup, request]) => [
      { ...setup, capturedDaysAgo: setup.capturedDaysAgo ?? 1 },
      request.amount,
    ]);
    const fits = await payment({ amountMinor: 1_000, reservedMinor: 400 });
    const made = await Promise.all(setups.map(([setup]) => payment(setup)));
    const requests = [
      ...cases.map(([, , request], i) => ({
        id: made[i]!.id,
        order: request.order === 'other' ? 'o_other' : made[i]!.orderId,
        currency: request.currency ?? 'CNY',
        amount: request.amount,
      })),
      { id: fits.id, order: null, currency: 'CNY', amount: 600 },
      { id: 'pay_unknown', order: null, currency: 'CNY', amount: 1 },
    ];
    const rows = await sqlOnPool(orm).rows<{ n: number; refusal: string | null; reserved: string | null }>(
      `select n, refusal, (payment).reserved_minor::text as reserved
         from payment_refund_reserve_many($1::varchar[], $2::varchar[], $3::varchar[], $4::bigint[], 2, 3, 10, 20)`,
      [
        requests.map((r) => r.id),
        requests.map((r) => r.order),
        requests.map((r) => r.currency),
        requests.map((r) => String(r.amount)),
      ],
    );
    expect(rows).toEqual([
      ...cases.map(([refusal], i) => ({ n: i + 1, refusal, reserved: null })),
      { n: cases.length + 1, refusal: null, reserved: '1000' },
      { n: cases.length + 2, refusal: 'PAYMENT_NOT_FOUND', reserved: null },
    ]);
  });

  it('refuses two reservations on one payment in one call', async () => {
    const p = await payment({});
    await expect(
      sqlOnPool(orm).rows(
        `select * from payment_refund_reserve_many($1::varchar[], array[null, null]::varchar[],
           array['CNY', 'CNY']::varchar[], array[1, 1]::bigint[], 2, 3, 10, 20)`,
        [[p.id, p.id]],
      ),
    ).rejects.toThrow(/same payment/);
  });
});
