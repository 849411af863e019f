import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvariantError } from '../../src/errors/index.js';
import { money } from '../../src/money/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder, requestRefund, SUPPORT } from '../support/builders.js';

/**
 * A refused request names the rule that said no (decided in SQL by `payment_refund_reserve`, the one
 * source of the rules) as `extensions.code`, and leaves the payment as it was.
 */
describe('refund refusals over GraphQL', () => {
  let t: TestApp;
  let db: pg.Client;
  beforeAll(async () => {
    t = await startTestApp({ simulators: true });
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  }, 60_000);
  afterAll(async () => {
    await db.end();
    await t.stop();
  });

  async function paymentState(id: string): Promise<unknown> {
    const { rows } = await db.query(`select reserved_minor, refund_count from payment where id = $1`, [id]);
    return rows[0];
  }

  it.each([
    ['REFUND_WINDOW_EXPIRED', `captured_at = now() - interval '366 days'`],
    ['TOO_MANY_PARTIAL_REFUNDS', `refund_count = 50`],
    ['REFUND_EXCEEDS_REMAINING', `reserved_minor = 2500`],
  ])('%s', async (code, change) => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 3_000 });
    await db.query(`update payment set ${change} where id = $1`, [paid.paymentId]);
    const before = await paymentState(paid.paymentId);
    const result = await requestRefund(t, { paymentId: paid.paymentId, amountFen: 1_000 });
    expect(result.errors?.[0]?.extensions?.['code']).toBe(code);
    if (code === 'REFUND_EXCEEDS_REMAINING') {
      expect(result.errors?.[0]?.extensions?.['details']).toEqual({ remaining: '5.00', currency: 'CNY' });
    }
    expect(await paymentState(paid.paymentId)).toEqual(before);
  });

  it('CURRENCY_MISMATCH names the amount', async () => {
    const paid = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 3_000 });
    const result = await t.gql(
      `mutation($input: RequestRefundInput!) { requestRefund(input: $input) { refund { id } } }`,
      {
        input: {
          idempotencyKey: `key-currency-${paid.paymentId}`,
          paymentId: paid.paymentId,
          amount: { amount: '1.00', currency: 'USD' },
          reason: 'wrong currency',
          liableParty: 'MERCHANT',
        },
      },
      SUPPORT,
    );
    expect(result.errors?.[0]?.extensions?.['code']).toBe('CURRENCY_MISMATCH');
  });

  it('PAYMENT_NOT_FOUND for a payment of another order', async () => {
    const paid = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 3_000 });
    const other = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 3_000 });
    const result = await t.gql(
      `mutation($input: RequestRefundInput!) { requestRefund(input: $input) { refund { id } } }`,
      {
        input: {
          idempotencyKey: `key-order-${paid.paymentId}`,
          paymentId: paid.paymentId,
          orderId: other.orderId,
          amount: { amount: '1.00', currency: 'CNY' },
          reason: 'wrong order',
          liableParty: 'MERCHANT',
        },
      },
      SUPPORT,
    );
    expect(result.errors?.[0]?.extensions?.['code']).toBe('PAYMENT_NOT_FOUND');
  });

  it('an assessment given for another customer than the payer is a programmer error: nothing is written', async () => {
    const paid = await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 3_000 });
    const before = await paymentState(paid.paymentId);
    const request = (customerId: string, key: string) =>
      t.app.services.refunds.requestRefund(
        {
          idempotencyKey: `${key}-${paid.paymentId}`,
          paymentId: paid.paymentId,
          amount: money(1_000n, 'CNY'),
          reason: 'assessed by the caller',
          liableParty: 'PLATFORM',
          assessedRisk: { customerId, routing: 'NONE', flags: [] },
        },
        { id: 'system:cases', role: 'SERVICE' },
      );
    await expect(request(`not-${paid.customerId}`, 'key-assessed-other')).rejects.toBeInstanceOf(
      InvariantError,
    );
    expect(await paymentState(paid.paymentId)).toEqual(before);
    const { rows } = await db.query(`select count(*)::int as n from refund where payment_id = $1`, [
      paid.paymentId,
    ]);
    expect(rows[0]).toEqual({ n: 0 });
    // The payer's own assessment goes through.
    const { refund } = await request(paid.customerId, 'key-assessed-payer');
    expect(refund.customerId).toBe(paid.customerId);
  });
});
