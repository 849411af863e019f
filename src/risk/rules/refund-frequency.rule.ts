import { z } from 'zod';
import type { CustomerRule } from '../risk.model.js';

const params = z.strictObject({
  refunds7d: z.number().int().min(1),
  refunds30d: z.number().int().min(1),
});

/** Many refunds in a short time: at least `refunds7d` in 7 days or `refunds30d` in 30 days. */
export const refundFrequencyRule: CustomerRule<z.infer<typeof params>> = {
  id: 'refund-frequency',
  title: 'Refunds in 7 / 30 days',
  windowDays: 30,
  needs: ['refunds'],
  params,
  evaluate(f, p) {
    const short = f.refunds7d >= p.refunds7d;
    if (!short && f.refunds30d < p.refunds30d) return null;
    return {
      figures: { refunds7d: f.refunds7d, refunds30d: f.refunds30d },
      thresholds: { refunds7d: p.refunds7d, refunds30d: p.refunds30d },
      evidence: { refundIds: short ? f.refundIds7d : f.refundIds30d },
    };
  },
};
