/**
 * What the refund command asks risk flagging (structurally the risk module's RiskService, wired in
 * src/main.ts): how the customer behind a request is routed. The answer is kept on the refund's
 * REQUEST event (`detail.risk`) when some flag was active.
 */
export interface RefundRiskAssessment {
  readonly customerId: string;
  readonly routing: 'NONE' | 'REVIEW' | 'BLOCK_AUTO_REFUND';
  readonly flags: readonly object[];
}

export interface RefundRiskPort {
  assessRefundRequest(input: {
    paymentId?: string | null | undefined;
    orderId?: string | null | undefined;
  }): Promise<RefundRiskAssessment | null>;
}

/** No risk flagging: every request is routed NONE. */
export const NO_REFUND_RISK: RefundRiskPort = {
  assessRefundRequest: () => Promise.resolve(null),
};
