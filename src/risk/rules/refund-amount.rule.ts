import { z } from 'zod';
import type { CustomerRule } from '../risk.model.js';

const minorUnits = z
  .string()
  .regex(/^\d{1,15}$/, 'an integer amount in minor units, as a string')
  .transform((v) => BigInt(v));

const params = z.strictObject({
  /** Refunded in 7 days above this (minor units of the platform currency) fires. */
  max7dMinor: minorUnits,
  /** Refunded in 30 days above this share of what the customer paid in 30 days fires. */
  maxSpendPercent: z.number().int().min(0).max(1000),
});

/** Refunded amounts: more than `max7dMinor` in 7 days, or more than `maxSpendPercent` % of 30 days' spend. */
export const refundAmountRule: CustomerRule<z.infer<typeof params>> = {
  id: 'refund-amount',
  title: 'Refunded amount in 7 days / share of 30 days’ spend',
  windowDays: 30,
  needs: ['refunds', 'spend'],
  params,
  evaluate(f, p) {
    const over7d = f.refunded7dMinor > p.max7dMinor;
    const overShare =
      f.refunded30dMinor > 0n && f.refunded30dMinor * 100n > BigInt(p.maxSpendPercent) * f.spent30dMinor;
    if (!over7d && !overShare) return null;
    return {
      figures: {
        refunded7dMinor: f.refunded7dMinor,
        refunded30dMinor: f.refunded30dMinor,
        spent30dMinor: f.spent30dMinor,
      },
      thresholds: { max7dMinor: p.max7dMinor, maxSpendPercent: p.maxSpendPercent },
      evidence: { refundIds: over7d ? f.refundIds7d : f.refundIds30d },
    };
  },
};
