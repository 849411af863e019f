import { z } from 'zod';
import type { CustomerRule } from '../risk.model.js';

const params = z.strictObject({
  /** Claims made suspiciously soon or late after delivery, in 30 days, at which the rule fires. */
  maxOddClaims: z.number().int().min(1),
});

/**
 * Claims made less than 2 minutes or more than 24 hours after delivery (the timing bounds are the
 * claim-figures query's; see the cases module), at least `maxOddClaims` of them in 30 days.
 */
export const claimTimingRule: CustomerRule<z.infer<typeof params>> = {
  id: 'claim-timing',
  title: 'Claims made < 2 min or > 24 h after delivery',
  windowDays: 30,
  needs: ['claims'],
  params,
  evaluate(f, p) {
    const odd = f.claimsFast30d + f.claimsLate30d;
    if (odd < p.maxOddClaims) return null;
    return {
      figures: { claimsFast30d: f.claimsFast30d, claimsLate30d: f.claimsLate30d },
      thresholds: { maxOddClaims: p.maxOddClaims },
      evidence: { caseIds: f.caseIds30d },
    };
  },
};
