import { z } from 'zod';
import type { CustomerRule } from '../risk.model.js';

const params = z.strictObject({
  minClaims: z.number().int().min(1),
  maxPercent: z.number().int().min(0).max(100),
});

/** More than `maxPercent` % of at least `minClaims` claims in 30 days came without evidence. */
export const claimsWithoutEvidenceRule: CustomerRule<z.infer<typeof params>> = {
  id: 'claims-without-evidence',
  title: 'Share of claims without evidence in 30 days',
  windowDays: 30,
  needs: ['claims'],
  params,
  evaluate(f, p) {
    if (f.claims30d < p.minClaims) return null;
    if (f.claimsWithoutEvidence30d * 100 <= p.maxPercent * f.claims30d) return null;
    return {
      figures: { claims30d: f.claims30d, claimsWithoutEvidence30d: f.claimsWithoutEvidence30d },
      thresholds: { minClaims: p.minClaims, maxPercent: p.maxPercent },
      evidence: { caseIds: f.caseIds30d },
    };
  },
};
