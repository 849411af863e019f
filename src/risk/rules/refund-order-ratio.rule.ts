import { z } from 'zod';
import type { CustomerRule } from '../risk.model.js';

const params = z.strictObject({
  maxPercent: z.number().int().min(0).max(100),
  minOrders: z.number().int().min(1),
});

/** More than `maxPercent` % of the customer's orders in 90 days refunded, over at least `minOrders`. */
export const refundOrderRatioRule: CustomerRule<z.infer<typeof params>> = {
  id: 'refund-order-ratio',
  title: 'Refunded share of orders in 90 days',
  windowDays: 90,
  needs: ['refundedOrders', 'orders'],
  params,
  evaluate(f, p) {
    if (f.orders90d < p.minOrders) return null;
    // refunded / orders > maxPercent / 100, in integers.
    if (f.refundedOrders90d * 100 <= p.maxPercent * f.orders90d) return null;
    return {
      figures: { refundedOrders90d: f.refundedOrders90d, orders90d: f.orders90d },
      thresholds: { maxPercent: p.maxPercent, minOrders: p.minOrders },
      evidence: { orderIds: f.refundedOrderIds90d },
    };
  },
};
