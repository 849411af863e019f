import { CLAIMED_ORDERS_30D_SQL } from '../cases/index.js';
import type { Sql } from '../db/index.js';
import { ORDERS_30D_SQL } from '../payments/index.js';
import { REFUNDED_ORDERS_30D_SQL } from '../refunds/index.js';
import type { PlatformFigures } from './risk.model.js';

/**
 * Claim rates of every merchant and rider over the 30 days before `$1`: orders placed, orders claimed
 * (a refund requested or a case reported), and the same for all their peers of the kind. One pass over the period's
 * orders (index-only) and its refunds.
 */
const PLATFORM_FIGURES_SQL = `
  with o as (${ORDERS_30D_SQL}),
  c as (${REFUNDED_ORDERS_30D_SQL} union ${CLAIMED_ORDERS_30D_SQL}),
  oc as (select o.*, c.order_id is not null as claimed from o left join c on c.order_id = o.order_id),
  per as (
    select 'MERCHANT' as kind, merchant_id as subject_id, count(*) as orders, count(*) filter (where claimed) as claims,
           (array_agg(order_id order by order_id) filter (where claimed))[1:50] as claimed_ids
      from oc group by merchant_id
    union all
    select 'RIDER', rider_id, count(*), count(*) filter (where claimed),
           (array_agg(order_id order by order_id) filter (where claimed))[1:50]
      from oc where rider_id is not null group by rider_id
  ),
  total as (select kind, sum(orders) as orders, sum(claims) as claims from per group by kind)
  select per.kind, per.subject_id, per.orders::int, per.claims::int, coalesce(per.claimed_ids, '{}') as claimed_ids,
         (total.orders - per.orders)::int as peer_orders, (total.claims - per.claims)::int as peer_claims
    from per join total on total.kind = per.kind
   where per.claims > 0`;

interface PlatformRow {
  kind: 'MERCHANT' | 'RIDER';
  subject_id: string;
  orders: number;
  claims: number;
  claimed_ids: string[];
  peer_orders: number;
  peer_claims: number;
}

/** Every merchant and rider with a claim in the period, with their peers' figures. */
export async function readPlatformFigures(sql: Sql, asOf: Date): Promise<PlatformFigures[]> {
  const rows = await sql.rows<PlatformRow>(PLATFORM_FIGURES_SQL, [asOf]);
  const from = new Date(asOf.getTime() - 30 * 86_400_000);
  const period = `${from.toISOString().slice(0, 10)}/${asOf.toISOString().slice(0, 10)}`;
  return rows.map((r) => ({
    subjectKind: r.kind,
    subjectId: r.subject_id,
    orders: r.orders,
    claims: r.claims,
    peerOrders: r.peer_orders,
    peerClaims: r.peer_claims,
    claimedOrderIds: r.claimed_ids,
    period,
  }));
}
