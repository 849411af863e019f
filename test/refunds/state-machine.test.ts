import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, type Orm } from '../../src/db/index.js';
import { canTransition, REFUND_STATUSES } from '../../src/refunds/index.js';
import { createTestOrm } from '../support/db.js';

/**
 * The state machine has one source, `refund.state.ts`; the database enforces it again with the
 * `refund_status_forward` trigger (src/refunds/sql/). Every (from, to) pair is tried against the real
 * trigger and must be refused exactly when the TypeScript table refuses it.
 */
describe('refund status trigger equals the TypeScript state machine', () => {
  let orm: Orm;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ orm, close } = await createTestOrm(2));
  });
  afterAll(async () => close());

  it('allows exactly the transitions canTransition allows', async () => {
    const conn = orm.em.getConnection();
    const suffix = newId('x').slice(2);
    const orderId = `o_${suffix}`;
    const paymentId = `pay_${suffix}`;
    await conn.execute(
      `insert into food_order (id, customer_id, merchant_id, total_minor, currency, delivery_status, status_changed_at)
       values (?, 'c_1', 'm_1', 10000, 'CNY', 'DELIVERED', now())`,
      [orderId],
    );
    await conn.execute(
      `insert into payment (id, order_id, customer_id, merchant_id, channel, out_trade_no, amount_minor, currency,
                            source, captured_at)
       values (?, ?, 'c_1', 'm_1', 'WECHAT_PAY', ?, 10000, 'CNY', 'TEST', now())`,
      [paymentId, orderId, `T${suffix}`],
    );

    const pairs = REFUND_STATUSES.flatMap((from) =>
      REFUND_STATUSES.filter((to) => to !== from).map((to) => ({ from, to })),
    );
    const refused: string[] = [];
    for (const { from, to } of pairs) {
      const id = newId('rf');
      await conn.execute(
        `insert into refund (id, payment_id, order_id, customer_id, merchant_id, channel, amount_minor, currency,
                             reason, liable, status, idempotency_scope, idempotency_key, request_hash,
                             requested_by, requested_role)
         values (?, ?, ?, 'c_1', 'm_1', 'WECHAT_PAY', 100, 'CNY', 'test', '{}', ?, 'test', ?, 'h', 'u', 'ADMIN')`,
        [id, paymentId, orderId, from, id],
      );
      try {
        await conn.execute(`update refund set status = ? where id = ?`, [to, id]);
      } catch (error) {
        expect((error as Error).message).toMatch(/cannot move from/);
        refused.push(`${from}->${to}`);
      }
    }
    const expected = pairs
      .filter(({ from, to }) => !canTransition(from, to))
      .map(({ from, to }) => `${from}->${to}`);
    expect(refused).toEqual(expected);
    // Both kinds occur, so neither side can pass by refusing (or allowing) everything.
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(pairs.length);
  });

  it('accepts no status the state machine does not name', async () => {
    const [row] = await orm.em
      .getConnection()
      .execute<{ def: string }[]>(
        `select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'refund_status_check'`,
      );
    const named = [...row!.def.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
    expect([...named].sort()).toEqual([...REFUND_STATUSES].sort());
  });
});
