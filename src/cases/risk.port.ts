/**
 * What the cases module needs from risk flagging (src/risk/), declared here so the two modules stay
 * independent: the composition root passes the risk service, which has this shape. Until it does, a
 * customer has no flags.
 */
export type RiskRouting = 'NONE' | 'REVIEW' | 'BLOCK_AUTO_REFUND';

export interface RiskAssessment {
  /** The strongest action among the customer's active ENFORCE flags. */
  readonly routing: RiskRouting;
  readonly flags: readonly {
    readonly id: string;
    readonly ruleId: string;
    readonly ruleVersion: number;
    readonly action: string;
    readonly mode: 'ENFORCE' | 'SHADOW';
  }[];
}

export interface RiskPort {
  assessCustomer(input: {
    customerId: string;
    trigger: 'CASE' | 'REFUND';
    subjectId?: string;
  }): Promise<RiskAssessment>;
}

export const NO_RISK: RiskPort = {
  assessCustomer: () => Promise.resolve({ routing: 'NONE', flags: [] }),
};
