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
  /** Rows per insert statement (progress between them); one statement per table when absent. */
  readonly chunk?: number;
  /**
   * Only orders numbered in this range (and their refunds): a history seeded up to some order is the
   * same rows as the newer part of a longer one, so the rest can be added later as older history.
   */
  readonly orderRange?: readonly [number, number];
}

/** Inclusive ranges of at most `chunk` numbers covering first…last. */
function ranges([first, last]: readonly [number, number], chunk: number): [number, number][] {
  const out: [number, number][] = [];
  for (let lo = first; lo <= last; lo += chunk) out.push([lo, Math.min(last, lo + chunk - 1)]);
  return out;
}

/** The statements that seed the history (run them in order; each is one bulk insert). */
export function historyStatements(shape: HistoryShape): string[] {
  const orders = shape.refunds * 2;
  const chunk = shape.chunk ?? orders;
  const merchants = shape.merchants ?? 2_000;
  const riders = shape.riders ?? 5_000;
  // Order g is placed at now − (g / orders) × span: evenly spread, newest first.
  const placed = `now() - (g::numeric / ${orders}) * interval '${shape.spanDays} days'`;
  // Orders 2k − 1 and 2k (the refunded one) are one customer's; customers take turns.
  const customer = `'c_' || (((g + 1) / 2) % ${shape.customers})`;
  const inserts = (lo: number, hi: number): string[] => [
    `insert into food_order (id, customer_id, merchant_id, rider_id, total_minor, currency, delivery_status,
                             status_changed_at, delivered_at, created_at, updated_at)
     select 'o_' || g, ${customer}, 'm_' || (g % ${merchants}), 'r_' || (g % ${riders}), 3000 + g % 5000, 'CNY',
            'DELIVERED', t, t, t, t
       from generate_series(${lo}, ${hi}) as g, lateral (select ${placed} as t) as x`,
    `insert into payment (id, order_id, customer_id, merchant_id, channel, out_trade_no, amount_minor, currency,
                          source, captured_at, created_at, payer_account)
     select 'pm_' || g, 'o_' || g, ${customer}, 'm_' || (g % ${merchants}), 'ALIPAY', 'T' || g, 3000 + g % 5000, 'CNY',
            'SERVICE', t, t, 'payer_' || (((g + 1) / 2) % ${shape.customers})
       from generate_series(${lo}, ${hi}) as g, lateral (select ${placed} as t) as x`,
    `insert into refund (id, payment_id, order_id, customer_id, merchant_id, channel, amount_minor, currency, reason,
                         liable, status, idempotency_scope, idempotency_key, request_hash, requested_by,
                         requested_role, created_at, updated_at)
     select 'rf_' || g, 'pm_' || g, 'o_' || g, ${customer}, 'm_' || (g % ${merchants}), 'ALIPAY', 500 + g % 1000,
            'CNY', 'seeded', '{"kind":"MERCHANT"}', 'SUCCEEDED', 'SUPPORT:seed', 'k' || g, 'h', 'seed', 'SUPPORT',
            t, t
       from generate_series(${lo + (lo % 2)}, ${hi}, 2) as g, lateral (select ${placed} as t) as x`,
  ];
  return [
    ...ranges(shape.orderRange ?? [1, orders], chunk).flatMap(([lo, hi]) => inserts(lo, hi)),
    `vacuum analyze food_order`,
    `vacuum analyze payment`,
    `vacuum analyze refund`,
  ];
}

/**
 * Customers who only claim, the sweep's other population: `customers` of them (`cc_…`, none of the
 * history's), `claimsEach` app claims each, without evidence and with no refund, each on an order of its
 * own delivered an hour before the claim, spread evenly over the last `spanDays` days.
 */
export function claimStatements(shape: {
  customers: number;
  claimsEach: number;
  spanDays: number;
}): string[] {
  const n = shape.customers * shape.claimsEach;
  const claimed = `now() - (g::numeric / ${n + 1}) * interval '${shape.spanDays} days'`;
  const customer = `'cc_' || (g % ${shape.customers})`;
  const rows = `from generate_series(1, ${n}) as g, lateral (select ${claimed} as t) as x`;
  return [
    `insert into food_order (id, customer_id, merchant_id, rider_id, total_minor, currency, delivery_status,
                             status_changed_at, delivered_at, created_at, updated_at)
     select 'oc_' || g, ${customer}, 'm_' || (g % 2000), 'r_' || (g % 5000), 3000, 'CNY', 'DELIVERED',
            t - interval '1 hour', t - interval '1 hour', t - interval '2 hours', t
       ${rows}`,
    `insert into after_sales_case (id, order_id, customer_id, merchant_id, type, channel, reporter_id, reporter_role,
                                   description, evidence, evidence_count, requested_remedy, currency,
                                   order_total_minor, delivered_at, claim_delay_seconds, status, created_at,
                                   updated_at)
     select 'csc_' || g, 'oc_' || g, ${customer}, 'm_' || (g % 2000), 'QUALITY', 'APP', ${customer}, 'CUSTOMER',
            'seeded claim', '[]', 0, 'FULL_REFUND', 'CNY', 3000, t - interval '1 hour', 3600, 'IN_REVIEW', t, t
       ${rows}`,
    `vacuum analyze food_order`,
    `vacuum analyze after_sales_case`,
  ];
}
