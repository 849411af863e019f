import { randomUUID } from 'node:crypto';
import type { Sql } from '../../src/db/index.js';

export const DAY_MS = 86_400_000;
export const daysAgo = (days: number, from = Date.now()): Date => new Date(from - days * DAY_MS);

export interface SeededOrder {
  readonly orderId: string;
  readonly paymentId: string;
  readonly refundId: string | null;
}

/**
 * A paid order placed at `at` (and, with `refund`, refunded then), written straight into the tables:
 * risk reads history, and history has to be in the past.
 */
export async function seedOrder(
  sql: Sql,
  o: {
    customerId: string;
    at: Date;
    merchantId?: string;
    riderId?: string | null;
    amountMinor?: bigint;
    payerAccount?: string | null;
    refund?: { at?: Date; amountMinor?: bigint; status?: string };
  },
): Promise<SeededOrder> {
  const suffix = randomUUID().replaceAll('-', '').slice(0, 20);
  const orderId = `o_${suffix}`;
  const paymentId = `pm_${suffix}`;
  const amount = (o.amountMinor ?? 3_000n).toString();
  const merchantId = o.merchantId ?? 'm_default';
  await sql.rows(
    `insert into food_order (id, customer_id, merchant_id, rider_id, total_minor, currency, delivery_status,
                             status_changed_at, delivered_at, created_at, updated_at)
     values ($1, $2, $3, $4, $5, 'CNY', 'DELIVERED', $6, $6, $6, $6)`,
    [orderId, o.customerId, merchantId, o.riderId ?? null, amount, o.at],
  );
  await sql.rows(
    `insert into payment (id, order_id, customer_id, merchant_id, channel, out_trade_no, amount_minor, currency,
                          source, captured_at, created_at, payer_account)
     values ($1, $2, $3, $4, 'ALIPAY', $5, $6, 'CNY', 'SERVICE', $7, $7, $8)`,
    [paymentId, orderId, o.customerId, merchantId, `T${suffix}`, amount, o.at, o.payerAccount ?? null],
  );
  if (!o.refund) return { orderId, paymentId, refundId: null };
  const refundId = `rf_${suffix}`;
  const at = o.refund.at ?? new Date(o.at.getTime() + 3_600_000);
  await sql.rows(
    `insert into refund (id, payment_id, order_id, customer_id, merchant_id, channel, amount_minor, currency, reason,
                         liable, status, idempotency_scope, idempotency_key, request_hash, requested_by,
                         requested_role, created_at, updated_at)
     values ($1, $2, $3, $4, $5, 'ALIPAY', $6, 'CNY', 'seeded', '{"kind":"MERCHANT"}', $7, 'SUPPORT:seed', $1, 'h',
             'seed', 'SUPPORT', $8, $8)`,
    [
      refundId,
      paymentId,
      orderId,
      o.customerId,
      merchantId,
      (o.refund.amountMinor ?? 500n).toString(),
      o.refund.status ?? 'SUCCEEDED',
      at,
    ],
  );
  return { orderId, paymentId, refundId };
}

/** `n` orders of one customer, `refunded` of them refunded, at the given days ago. */
export async function seedOrders(
  sql: Sql,
  customerId: string,
  days: readonly number[],
  options: { merchantId?: string; riderId?: string; refunded?: number; payerAccount?: string } = {},
): Promise<SeededOrder[]> {
  const out: SeededOrder[] = [];
  for (const [i, d] of days.entries()) {
    out.push(
      await seedOrder(sql, {
        customerId,
        at: daysAgo(d),
        merchantId: options.merchantId,
        riderId: options.riderId,
        payerAccount: options.payerAccount,
        ...(i < (options.refunded ?? days.length) ? { refund: {} } : {}),
      }),
    );
  }
  return out;
}

/**
 * A claim: a case the customer reported in the app on one of their orders at `at`, `claimDelaySeconds`
 * after its delivery (none: 10 minutes), without evidence unless `evidenceCount`. Written straight into
 * the table, as the orders above: history has to be in the past.
 */
export async function seedClaim(
  sql: Sql,
  o: {
    customerId: string;
    order: SeededOrder;
    at: Date;
    merchantId?: string;
    claimDelaySeconds?: number;
    evidenceCount?: number;
    channel?: 'APP' | 'PHONE' | 'SYSTEM';
  },
): Promise<string> {
  const id = `cs_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  const delay = o.claimDelaySeconds ?? 600;
  const evidence = Array.from({ length: o.evidenceCount ?? 0 }, (_, i) => `https://img.example.com/${i}.jpg`);
  await sql.rows(
    `insert into after_sales_case (id, order_id, customer_id, merchant_id, type, channel, reporter_id, reporter_role,
                                   description, evidence, evidence_count, requested_remedy, currency,
                                   order_total_minor, delivered_at, claim_delay_seconds, status, created_at,
                                   updated_at)
     values ($1, $2, $3, $4, 'QUALITY', $5, $3, 'CUSTOMER', 'seeded claim', $6::jsonb, $7, 'FULL_REFUND', 'CNY',
             3000, $8::timestamptz - make_interval(secs => $9), $9, 'IN_REVIEW', $8, $8)`,
    [
      id,
      o.order.orderId,
      o.customerId,
      o.merchantId ?? 'm_default',
      o.channel ?? 'APP',
      JSON.stringify(evidence),
      evidence.length,
      o.at,
      delay,
    ],
  );
  return id;
}
