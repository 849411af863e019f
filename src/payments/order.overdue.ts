import { sqlOnPool, type Orm } from '../db/index.js';
import { ORDER_COLUMNS, toOrderView, type OrderRow } from './payments.service.js';
import type { OrderView } from './payments.model.js';

/**
 * Orders whose promised time fell in [promisedFrom, promisedTo) and that were delivered after their
 * promise plus `lateAfterSeconds`, or are still undelivered (not cancelled): what late-order detection
 * reads. Read-only; the payments module stays the only writer of `food_order`.
 */
export async function overdueOrders(
  orm: Orm,
  window: {
    readonly promisedFrom: Date;
    readonly promisedTo: Date;
    readonly lateAfterSeconds: number;
    readonly limit: number;
  },
): Promise<OrderView[]> {
  const rows = await sqlOnPool(orm).rows<OrderRow>(
    `select ${ORDER_COLUMNS} from food_order
      where promised_at >= $1 and promised_at < $2 and delivery_status <> 'CANCELLED'
        and (delivered_at is null or delivered_at > promised_at + make_interval(secs => $3))
      order by promised_at, id limit $4`,
    [window.promisedFrom, window.promisedTo, window.lateAfterSeconds, window.limit],
  );
  return rows.map(toOrderView);
}
