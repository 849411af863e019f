import { recordAudit, type Actor } from '../audit/index.js';
import { inTransaction, newId, sqlOn } from '../db/index.js';
import { overdueOrders, type OrderView } from '../payments/index.js';
import type { CasesDeps } from './cases.deps.js';
import type { CaseType } from './cases.model.js';

export const DETECT_LATE_ORDERS = 'cases.detect-late-orders';
export const DETECTOR: Actor = { id: 'system:detector', role: 'SYSTEM' };

export interface DetectionSettings {
  /** An order delivered (or still undelivered) this long after its promise is LATE. */
  readonly lateAfterMs: number;
  /** An order still undelivered this long after its promise is NOT_DELIVERED. */
  readonly notDeliveredAfterMs: number;
  /** How far back a run looks at promised times. */
  readonly lookbackMs: number;
}

export interface DetectionResult {
  readonly scanned: number;
  readonly opened: readonly { readonly caseId: string; readonly orderId: string; readonly type: CaseType }[];
}

/**
 * Late-order detection: opens SYSTEM cases (LATE, NOT_DELIVERED) for orders past their promised time.
 * Idempotent per order and type however many runs race: the insert stops at the partial unique index
 * on (order, type) for SYSTEM cases (and at an open case the customer already reported).
 */
export class LateOrderDetector {
  constructor(
    private readonly deps: CasesDeps,
    private readonly settings: DetectionSettings,
    /** Settles a freshly detected case (e.g. proposes the late coupon); runs after its insert committed. */
    private readonly onOpened: (caseId: string, order: OrderView, type: CaseType) => Promise<void>,
  ) {}

  async run(now = new Date()): Promise<DetectionResult> {
    const orders = await overdueOrders(this.deps.orm, {
      promisedFrom: new Date(now.getTime() - this.settings.lookbackMs),
      promisedTo: new Date(now.getTime() - this.settings.lateAfterMs),
      lateAfterSeconds: Math.floor(this.settings.lateAfterMs / 1000),
      limit: 1000,
    });
    const opened: { caseId: string; orderId: string; type: CaseType }[] = [];
    for (const order of orders) {
      const promised = order.promisedAt!.getTime();
      const types: CaseType[] = ['LATE'];
      if (order.deliveredAt === null && now.getTime() - promised >= this.settings.notDeliveredAfterMs) {
        types.push('NOT_DELIVERED');
      }
      for (const type of types) {
        const caseId = await this.open(order, type, now);
        if (caseId) {
          opened.push({ caseId, orderId: order.id, type });
          await this.onOpened(caseId, order, type);
        }
      }
    }
    if (opened.length > 0) this.deps.logger.info({ opened: opened.length }, 'late orders detected');
    return { scanned: orders.length, opened };
  }

  private async open(order: OrderView, type: CaseType, now: Date): Promise<string | null> {
    const latenessSeconds = Math.floor(
      ((order.deliveredAt ?? now).getTime() - order.promisedAt!.getTime()) / 1000,
    );
    return inTransaction(this.deps.orm, async (em) => {
      const sql = sqlOn(em);
      const [row] = await sql.rows<{ id: string }>(
        `insert into after_sales_case (id, order_id, customer_id, merchant_id, rider_id, type, channel, reporter_id,
                                       reporter_role, description, evidence, evidence_count, requested_remedy, currency,
                                       order_total_minor, promised_at, delivered_at, lateness_seconds, claim_delay_seconds,
                                       status, severity, classification_rule, classification_rule_version)
         values ($1, $2, $3, $4, $5, $6, 'SYSTEM', $7, 'SYSTEM', $8, '[]', 0, $9, $10, $11, $12, $13, $14, null,
                 'IN_REVIEW', $15, 'detection', 1)
         on conflict do nothing
         returning id`,
        [
          newId('cs'),
          order.id,
          order.customerId,
          order.merchantId,
          order.riderId,
          type,
          DETECTOR.id,
          type === 'LATE'
            ? `Delivered ${Math.round(latenessSeconds / 60)} min after the promised time (detected).`
            : 'Not delivered long after the promised time (detected).',
          type === 'LATE' ? 'COUPON' : 'FULL_REFUND',
          order.total.currency,
          order.total.amountMinor.toString(),
          order.promisedAt,
          order.deliveredAt,
          latenessSeconds,
          type === 'NOT_DELIVERED' ? 'SEVERE' : 'MINOR',
        ],
      );
      if (!row) return null;
      await recordAudit(sql, {
        actor: DETECTOR,
        action: 'case.detected',
        subjectType: 'case',
        subjectId: row.id,
        after: { type, orderId: order.id, latenessSeconds },
      });
      return row.id;
    });
  }
}
