/**
 * Read-only queries over refunds for other modules (risk flagging's sweep). Per-customer figures are
 * SQL functions beside them: `sql/refund_customer_figures.sql`, `sql/refund_customer_refunded_30d.sql`.
 */

/**
 * Customers with a refund in [`$1` − 90 days, `$1`) after `$2` (keyset), in id order, at most `$3`:
 * the population a sweep or backtest re-evaluates, read page by page off the same index.
 */
export const REFUND_ACTIVE_CUSTOMERS_SQL = `
  select r.customer_id
    from refund r
   where r.customer_id > $2::text
     and r.created_at >= $1::timestamptz - interval '90 days' and r.created_at < $1::timestamptz
   group by r.customer_id
   order by r.customer_id
   limit $3::int`;

/** Orders with a refund requested in [`$1` − 30 days, `$1`) (not refused or closed), for claim rates. */
export const REFUNDED_ORDERS_30D_SQL = `
  select distinct r.order_id
    from refund r
   where r.created_at >= $1::timestamptz - interval '30 days' and r.created_at < $1::timestamptz
     and r.status not in ('FAILED', 'CLOSED')`;

/** Customers who requested a refund in [`$1`, `$2`) (a backtest's day), read off the `created_at` index. */
export const REFUND_CUSTOMERS_BETWEEN_SQL = `
  select distinct r.customer_id
    from refund r
   where r.created_at >= $1::timestamptz and r.created_at < $2::timestamptz`;
