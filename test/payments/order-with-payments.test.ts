import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, type Orm } from '../../src/db/index.js';
import { LedgerService } from '../../src/ledger/index.js';
import { PaymentsService } from '../../src/payments/index.js';
import { createTestOrm } from '../support/db.js';

/**
 * `orderWithPayments` (a case report's one read of the order and its payments) answers what `getOrder`
 * and `paymentsOfOrder` answer separately: unknown orders, orders without payments, several payments in
 * their order, reservations.
 */
describe('PaymentsService.orderWithPayments', () => {
  let orm: Orm;
  let close: () => Promise<void>;
  let payments: PaymentsService;
  beforeAll(async () => {
    ({ orm, close } = await createTestOrm(2));
    payments = new PaymentsService(orm, new LedgerService(orm));
  });
  afterAll(async () => close());

  async function order(paid: { amountMinor: number; reservedMinor: number; minutesAgo: number }[]) {
    const conn = orm.em.getConnection();
    const suffix = newId('x').slice(2);
    const orderId = `o_${suffix}`;
    await conn.execute(
      `insert into food_order (id, customer_id, merchant_id, rider_id, total_minor, currency, delivery_status,
                               status_changed_at, delivered_at)
       values (?, 'c_1', 'm_1', 'r_1', 10000, 'CNY', 'DELIVERED', now(), now())`,
      [orderId],
    );
    for (const [i, p] of paid.entries()) {
      await conn.execute(
        `insert into payment (id, order_id, customer_id, merchant_id, channel, out_trade_no, amount_minor, currency,
                              reserved_minor, source, captured_at, created_at)
         values (?, ?, 'c_1', 'm_1', 'ALIPAY', ?, ?, 'CNY', ?, 'TEST', now(), now() - make_interval(mins => ?))`,
        [`pay_${suffix}_${i}`, orderId, `T${suffix}${i}`, p.amountMinor, p.reservedMinor, p.minutesAgo],
      );
    }
    return orderId;
  }

  async function separately(orderId: string) {
    const found = await payments.getOrder(orderId);
    return found ? { order: found, payments: await payments.paymentsOfOrder(orderId) } : null;
  }

  it('is null for an unknown order', async () => {
    expect(await payments.orderWithPayments('o_missing')).toBeNull();
  });

  it('answers an order without payments with none', async () => {
    const orderId = await order([]);
    const both = await payments.orderWithPayments(orderId);
    expect(both).toEqual(await separately(orderId));
    expect(both!.payments).toEqual([]);
  });

  it('answers every payment of the order, oldest first, with what is still refundable', async () => {
    const orderId = await order([
      { amountMinor: 3_000, reservedMinor: 500, minutesAgo: 1 },
      { amountMinor: 7_000, reservedMinor: 0, minutesAgo: 5 },
    ]);
    const both = await payments.orderWithPayments(orderId);
    expect(both).toEqual(await separately(orderId));
    expect(both!.payments.map((p) => p.refundable.amountMinor)).toEqual([7_000n, 2_500n]);
    expect(both!.order.id).toBe(orderId);
  });

  it('answers several orders in one read, each as alone, in the order asked (unknown and repeated ones too)', async () => {
    const a = await order([{ amountMinor: 3000, reservedMinor: 1000, minutesAgo: 5 }]);
    const b = await order([]);
    const c = await order([
      { amountMinor: 2000, reservedMinor: 0, minutesAgo: 3 },
      { amountMinor: 1000, reservedMinor: 0, minutesAgo: 9 },
    ]);
    const ids = [c, 'o_missing', a, b, c];
    const together = await payments.ordersWithPayments(ids);
    expect(together).toEqual(await Promise.all(ids.map((id) => separately(id))));
    expect(together.map((x) => x?.payments.length ?? null)).toEqual([2, null, 1, 0, 2]);
  });
});
