/**
 * Read-only queries over orders for other modules (risk flagging's sweep). Per-customer figures are SQL
 * functions beside them: `sql/payment_customer_figures.sql`, `sql/payment_payer_clusters.sql`,
 * `sql/payment_or_order_customers.sql`.
 */

/** Orders placed in [`$1` − 30 days, `$1`) with their merchant and rider, for claim rates. */
export const ORDERS_30D_SQL = `
  select o.id as order_id, o.merchant_id, o.rider_id
    from food_order o
   where o.created_at >= $1::timestamptz - interval '30 days' and o.created_at < $1::timestamptz`;
