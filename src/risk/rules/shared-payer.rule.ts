import { z } from 'zod';
import type { CustomerRule } from '../risk.model.js';

const params = z.strictObject({
  minAccounts: z.number().int().min(2),
});

/**
 * Several accounts that refunded in 30 days paid with one payer account (openid / buyer id) in 90 days:
 * at least `minAccounts` of them. The whole cluster is flagged together.
 */
export const sharedPayerRule: CustomerRule<z.infer<typeof params>> = {
  id: 'shared-payer',
  title: 'Refunding accounts sharing one payer account',
  windowDays: 30,
  needs: ['payer'],
  cluster: true,
  params,
  evaluate(f, p) {
    if (f.payerAccount === null || f.payerRefundingCustomerIds.length < p.minAccounts) return null;
    return {
      figures: { refundingAccounts: f.payerRefundingCustomerIds.length },
      thresholds: { minAccounts: p.minAccounts },
      evidence: { customerIds: f.payerRefundingCustomerIds, payerAccount: f.payerAccount },
    };
  },
};
