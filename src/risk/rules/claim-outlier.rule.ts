import { z } from 'zod';
import type { PlatformRule } from '../risk.model.js';

const params = z.strictObject({
  /** The subject's claim rate above this multiple of its peers' fires. */
  multiple: z.number().int().min(1),
  /** Subjects with fewer orders in the period are not judged. */
  minOrders: z.number().int().min(1),
});

/** Claim rate (claimed orders / orders in 30 days) above `multiple` × that of every other one of the kind. */
function claimOutlierRule(subjectKind: 'MERCHANT' | 'RIDER'): PlatformRule<z.infer<typeof params>> {
  return {
    id: `${subjectKind.toLowerCase()}-claim-outlier`,
    title: `${subjectKind === 'MERCHANT' ? 'Merchant' : 'Rider'} claim rate far above peers’`,
    windowDays: 30,
    subjectKind,
    params,
    evaluate(f, p) {
      if (f.orders < p.minOrders || f.claims === 0) return null;
      // claims / orders > multiple × peerClaims / peerOrders, in integers.
      if (
        BigInt(f.claims) * BigInt(f.peerOrders) <=
        BigInt(p.multiple) * BigInt(f.peerClaims) * BigInt(f.orders)
      ) {
        return null;
      }
      return {
        figures: {
          period: f.period,
          orders: f.orders,
          claims: f.claims,
          peerOrders: f.peerOrders,
          peerClaims: f.peerClaims,
        },
        thresholds: { multiple: p.multiple, minOrders: p.minOrders },
        evidence: { orderIds: f.claimedOrderIds },
      };
    },
  };
}

export const merchantClaimOutlierRule = claimOutlierRule('MERCHANT');
export const riderClaimOutlierRule = claimOutlierRule('RIDER');
