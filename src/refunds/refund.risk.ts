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

/** The payment or the order a refund request refunds (the customer behind it is risk's to find). */
export interface RefundRiskRequest {
  readonly paymentId: string | null;
  readonly orderId: string | null;
}

/**
 * Risk's figures of a group of refund requests' customers, read inside the command's own pre-read
 * statement (one round trip for both): a set-returning SQL call and its parameters, and the
 * assessments from the rows it returned.
 */
export interface RefundRiskFigures {
  /** The call, its parameters numbered from `$<first>`. */
  call(first: number): string;
  readonly params: readonly unknown[];
  /** Each request's assessment, in the order asked, from the call's rows (as JSON objects). */
  assess(rows: readonly object[]): Promise<(RefundRiskAssessment | null)[]>;
}

export interface RefundRiskPort {
  assessRefundRequest(input: {
    paymentId?: string | null | undefined;
    orderId?: string | null | undefined;
  }): Promise<RefundRiskAssessment | null>;
  /** The same for a group of requests, as figures the command reads with its pre-read (when offered). */
  refundRequestFigures?(requests: readonly RefundRiskRequest[]): Promise<RefundRiskFigures>;
}

/** No risk flagging: every request is routed NONE. */
export const NO_REFUND_RISK: RefundRiskPort = {
  assessRefundRequest: () => Promise.resolve(null),
};
