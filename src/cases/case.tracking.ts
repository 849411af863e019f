import { inTransaction, newId, sqlOn, sqlOnPool, toDate, type TableRow } from '../db/index.js';
import type { RiderPosition } from './case-outcome.entity.js';
import { CaseError } from './cases.errors.js';
import type { CasesDeps } from './cases.deps.js';
import { notify } from './case.store.js';

export interface TrackingSettings {
  /** A rider who moved less than `stationaryMeters` over this long while delivering raises a warning. */
  readonly stationaryMs: number;
  readonly stationaryMeters: number;
  /** A rider whose distance to the address grew by this much since the closest point raises a warning. */
  readonly movingAwayMeters: number;
}

export interface PositionReport {
  readonly orderId: string;
  readonly lat: number;
  readonly lng: number;
  readonly recordedAt: Date;
  readonly destination?: { readonly lat: number; readonly lng: number } | null | undefined;
}

export interface WarningView {
  readonly id: string;
  readonly orderId: string;
  readonly riderId: string | null;
  readonly kind: 'RIDER_STATIONARY' | 'RIDER_MOVING_AWAY';
  readonly detail: Record<string, unknown>;
  readonly raisedAt: Date;
}

/** Coordinates are float8, which the driver hands over as numbers. */
type PositionRow = TableRow<RiderPosition, 'recordedAt'> & {
  lat: number;
  lng: number;
  dest_lat: number | null;
  dest_lng: number | null;
};

/** Great-circle distance in metres (haversine; plenty for a delivery radius). */
export function distanceMeters(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** What a track of positions (oldest first) says, if anything. */
export function assessTrack(
  track: readonly PositionRow[],
  settings: TrackingSettings,
): { kind: WarningView['kind']; detail: Record<string, unknown> } | null {
  const last = track.at(-1);
  if (!last) return null;
  const lastAt = toDate(last.recorded_at).getTime();
  const age = (p: PositionRow) => lastAt - toDate(p.recorded_at).getTime();
  // The newest position at least the window old, and every one since: all near the last one.
  const anchor = [...track].reverse().find((p) => age(p) >= settings.stationaryMs);
  if (anchor) {
    const span = [anchor, ...track.filter((p) => age(p) < settings.stationaryMs)];
    const spread = Math.max(...span.map((p) => distanceMeters(p, last)));
    if (spread < settings.stationaryMeters) {
      return {
        kind: 'RIDER_STATIONARY',
        detail: { meters: Math.round(spread), seconds: Math.round(age(anchor) / 1000) },
      };
    }
  }
  const dest = [...track].reverse().find((p) => p.dest_lat !== null && p.dest_lng !== null);
  if (dest) {
    const to = { lat: dest.dest_lat!, lng: dest.dest_lng! };
    const closest = Math.min(...track.map((p) => distanceMeters(p, to)));
    const now = distanceMeters(last, to);
    if (now - closest >= settings.movingAwayMeters) {
      return {
        kind: 'RIDER_MOVING_AWAY',
        detail: { closestMeters: Math.round(closest), nowMeters: Math.round(now) },
      };
    }
  }
  return null;
}

/** Rider positions from the order system, and the early warnings they raise (never a refund). */
export class DeliveryTracking {
  constructor(
    private readonly deps: CasesDeps,
    private readonly settings: TrackingSettings,
  ) {}

  async report(input: PositionReport): Promise<WarningView | null> {
    if (!(Math.abs(input.lat) <= 90 && Math.abs(input.lng) <= 180)) {
      throw new CaseError('INVALID_CASE_INPUT', 'lat must be within ±90 and lng within ±180', {
        field: 'lat',
      });
    }
    const order = await this.deps.payments.getOrder(input.orderId);
    if (!order) throw new CaseError('ORDER_NOT_FOUND', `order ${input.orderId} is unknown`);
    if (order.deliveryStatus !== 'DELIVERING' || order.riderId === null) {
      throw new CaseError('INVALID_CASE_STATE', 'positions are taken while a rider delivers the order', {
        status: order.deliveryStatus,
      });
    }
    return inTransaction(this.deps.orm, async (em) => {
      const sql = sqlOn(em);
      await sql.rows(
        `insert into rider_position (order_id, rider_id, lat, lng, dest_lat, dest_lng, recorded_at)
         values ($1, $2, $3, $4, $5, $6, $7)`,
        [
          order.id,
          order.riderId,
          input.lat,
          input.lng,
          input.destination?.lat ?? null,
          input.destination?.lng ?? null,
          input.recordedAt,
        ],
      );
      const track = await sql.rows<PositionRow>(
        `select lat, lng, dest_lat, dest_lng, recorded_at from rider_position
          where order_id = $1 order by recorded_at desc limit 200`,
        [order.id],
      );
      const found = assessTrack(track.reverse(), this.settings);
      if (!found) return null;
      const [warning] = await sql.rows<{ id: string; raised_at: Date }>(
        `insert into order_warning (id, order_id, rider_id, kind, detail) values ($1, $2, $3, $4, $5)
         on conflict (order_id, kind) do nothing returning id, raised_at`,
        [newId('ow'), order.id, order.riderId, found.kind, JSON.stringify(found.detail)],
      );
      if (!warning) return null;
      await notify(
        sql,
        this.deps.notifications,
        { kind: 'SUPPORT', id: 'support' },
        {
          kind: 'order.warning',
          title:
            found.kind === 'RIDER_STATIONARY' ? 'Rider stationary' : 'Rider moving away from the address',
          body: `Order ${order.id}: ${found.kind}`,
          dedupeKey: `order:${order.id}:warning:${found.kind}`,
          data: { orderId: order.id, kind: found.kind },
        },
      );
      return {
        id: warning.id,
        orderId: order.id,
        riderId: order.riderId,
        kind: found.kind,
        detail: found.detail,
        raisedAt: toDate(warning.raised_at),
      };
    });
  }

  async warnings(orderId: string): Promise<WarningView[]> {
    const rows = await sqlOnPool(this.deps.orm).rows<{
      id: string;
      order_id: string;
      rider_id: string | null;
      kind: WarningView['kind'];
      detail: Record<string, unknown>;
      raised_at: Date;
    }>(`select * from order_warning where order_id = $1 order by raised_at`, [orderId]);
    return rows.map((r) => ({
      id: r.id,
      orderId: r.order_id,
      riderId: r.rider_id,
      kind: r.kind,
      detail: r.detail,
      raisedAt: toDate(r.raised_at),
    }));
  }
}
