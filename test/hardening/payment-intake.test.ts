import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgErrorOf } from '../../src/db/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { SERVICE } from '../support/builders.js';

const REPORT = `mutation($input: ReportOrderInput!) { reportOrder(input: $input) { id } }`;
const RECORD = `mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { replayed payment { id } } }`;

describe('a payment never contradicts its order', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ role: 'api' });
  });
  afterAll(async () => t.stop());

  const report = async (id: string, total: string, extra: Record<string, unknown> = {}) => {
    const res = await t.gql(
      REPORT,
      {
        input: {
          id,
          customerId: 'c_pay',
          merchantId: 'm_pay',
          total: { amount: total, currency: 'CNY' },
          deliveryStatus: 'DELIVERED',
          statusChangedAt: new Date().toISOString(),
          paymentChannel: 'WECHAT_PAY',
          ...extra,
        },
      },
      SERVICE,
    );
    expect(res.errors).toBeUndefined();
  };
  const record = (orderId: string, amount: string, channel: string, outTradeNo: string) =>
    t.gql<{ recordPayment: { replayed: boolean; payment: { id: string } } }>(
      RECORD,
      {
        input: {
          orderId,
          channel,
          outTradeNo,
          amount: { amount, currency: 'CNY' },
          capturedAt: new Date().toISOString(),
        },
      },
      SERVICE,
    );
  const captured = async (orderId: string) => {
    const rows = await t.app.orm.em
      .fork()
      .getConnection()
      .execute<{ n: number }[]>(
        `select count(*)::int as n from journal_entry e join payment p on p.id = e.reference_id where p.order_id = ?`,
        [orderId],
      );
    return rows[0]?.n;
  };

  it('refuses more than the order, another channel or another out_trade_no, with codes, posting nothing', async () => {
    await report('o_intake_1', '30.00', { outTradeNo: 'T_intake_1' });
    const cases: [string, string, string, string][] = [
      ['30.01', 'WECHAT_PAY', 'T_intake_1', 'PAYMENT_EXCEEDS_ORDER'],
      ['30.00', 'ALIPAY', 'T_intake_1', 'CHANNEL_MISMATCH'],
      ['30.00', 'WECHAT_PAY', 'T_intake_other', 'OUT_TRADE_NO_MISMATCH'],
    ];
    for (const [amount, channel, outTradeNo, code] of cases) {
      const res = await record('o_intake_1', amount, channel, outTradeNo);
      expect(res.errors?.[0]?.extensions?.['code'], code).toBe(code);
    }
    expect(await captured('o_intake_1')).toBe(0);
    const ok = await record('o_intake_1', '30.00', 'WECHAT_PAY', 'T_intake_1');
    expect(ok.data?.recordPayment.replayed).toBe(false);
    const again = await record('o_intake_1', '30.00', 'WECHAT_PAY', 'T_intake_1');
    expect(again.data?.recordPayment).toEqual({ replayed: true, payment: ok.data?.recordPayment.payment });
    expect(await captured('o_intake_1')).toBe(1);
  });

  it('holds the total under concurrent payments: 10 × 2.00 on a 10.00 order, exactly 5 go through', async () => {
    await report('o_intake_2', '10.00');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => record('o_intake_2', '2.00', 'WECHAT_PAY', `T_intake_2_${i}`)),
    );
    const codes = results.map((r) => (r.errors ? String(r.errors[0]?.extensions?.['code']) : 'OK')).sort();
    expect(codes).toEqual([...Array(5).fill('OK'), ...Array(5).fill('PAYMENT_EXCEEDS_ORDER')]);
    const [sum] = await t.app.orm.em
      .fork()
      .getConnection()
      .execute<{ total: string }[]>(
        `select sum(amount_minor)::text as total from payment where order_id = ?`,
        ['o_intake_2'],
      );
    expect(sum?.total).toBe('1000');
  });

  it('is enforced by the database itself, whoever inserts', async () => {
    await report('o_intake_3', '5.00');
    const insert = t.app.orm.em
      .fork()
      .getConnection()
      .execute(
        `insert into payment (id, order_id, customer_id, merchant_id, channel, out_trade_no, amount_minor, currency, source, captured_at)
         values ('pm_direct', 'o_intake_3', 'c_pay', 'm_pay', 'WECHAT_PAY', 'T_direct', 501, 'CNY', 'SERVICE', now())`,
      );
    const error = await insert.then(
      () => null,
      (e: unknown) => e,
    );
    expect(pgErrorOf(error)).toMatchObject({ code: '23514', constraint: 'payment_within_order_total' });
  });
});
