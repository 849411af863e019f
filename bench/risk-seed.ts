/**
 * Refund history seeded in bulk (generate_series, no round trip per row) for the risk benchmark and the
 * EXPLAIN tests: `refunds` refunds over `customers` customers, spread evenly over `spanDays` before
 * now, each on its own paid order, plus as many orders without a refund. History grows by time, not by
 * density: the same customers, the same refunds per day, a longer past.
 */
export interface HistoryShape {
  readonly customers: number;
  readonly refunds: number;
  readonly spanDays: number;
  readonly merchants?: number;
  readonly riders?: number;
}

/** The statements that seed the history (run them in order; each is one bulk insert). */
export function historyStatements(shape: HistoryShape): string[] {
  const orders = shape.refunds * 2;
  const merchants = shape.merchants ?? 2_000;
  const riders = shape.riders ?? 5_000;
  // Order g is placed at now − (g / orders) × span: evenly spread, newest first.
  const placed = `now() - (g::numeric / ${orders}) * interval '${shape.spanDays} days'`;
  const customer = `'c_' || (g % ${shape.customers})`;
  return [
    `insert into food_order (id, customer_id, merchant_id, rider_id, total_minor, currency, delivery_status,
                             status_changed_at, delivered_at, created_at, updated_at)
     select 'o_' || g, ${customer}, 'm_' || (g % ${merchants}), 'r_' || (g % ${riders}), 3000 + g % 5000, 'CNY',
            'DELIVERED', t, t, t, t
       from generate_series(1, ${orders}) as g, lateral (select ${placed} as t) as x`,
    `insert into payment (id, order_id, customer_id, merchant_id, channel, out_trade_no, amount_minor, currency,
                          source, captured_at, created_at, payer_account)
     select 'pm_' || g, 'o_' || g, ${customer}, 'm_' || (g % ${merchants}), 'ALIPAY', 'T' || g, 3000 + g % 5000, 'CNY',
            'SERVICE', t, t, 'payer_' || (g % ${shape.customers})
       from generate_series(1, ${orders}) as g, lateral (select ${placed} as t) as x`,
    `insert into refund (id, payment_id, order_id, customer_id, merchant_id, channel, amount_minor, currency, reason,
                         liable, status, idempotency_scope, idempotency_key, request_hash, requested_by,
                         requested_role, created_at, updated_at)
     select 'rf_' || g, 'pm_' || g, 'o_' || g, ${customer}, 'm_' || (g % ${merchants}), 'ALIPAY', 500 + g % 1000,
            'CNY', 'seeded', '{"kind":"MERCHANT"}', 'SUCCEEDED', 'SUPPORT:seed', 'k' || g, 'h', 'seed', 'SUPPORT',
            t, t
       from generate_series(2, ${orders}, 2) as g, lateral (select ${placed} as t) as x`,
    `vacuum analyze food_order`,
    `vacuum analyze payment`,
    `vacuum analyze refund`,
  ];
}
