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

/**
 * New cases' assessments as figures the reports' pre-read statement reads (`caseCustomerFigures`):
 * the call (parameters from `$<first>`) and, once the reports are checked, their assessments from its
 * rows (flags that fire raised then, each naming its report's case).
 */
export interface CaseRiskFigures {
  call(first: number): string;
  readonly params: readonly unknown[];
  assess(
    rows: readonly object[],
    asking: readonly { readonly customerId: string; readonly subjectId: string }[],
  ): Promise<RiskAssessment[]>;
}

export interface RiskPort {
  assessCustomer(input: {
    customerId: string;
    trigger: 'CASE' | 'REFUND';
    subjectId?: string;
  }): Promise<RiskAssessment>;
  /** The same for reports that arrive together, read in the reports' own statement (when offered). */
  caseCustomerFigures?(customerIds: readonly string[]): Promise<CaseRiskFigures>;
}

export const NO_RISK: RiskPort = {
  assessCustomer: () => Promise.resolve({ routing: 'NONE', flags: [] }),
};
