import type { Money } from '../money/index.js';

export const CASE_TYPES = [
  'LATE',
  'DAMAGED',
  'MISSING_ITEM',
  'WRONG_ITEM',
  'NOT_DELIVERED',
  'QUALITY',
  'OTHER',
] as const;
export type CaseType = (typeof CASE_TYPES)[number];

export const DECISION_KINDS = ['FULL_REFUND', 'PARTIAL_REFUND', 'COUPON', 'REDELIVERY', 'REJECT'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];
/** What a customer may ask for (REJECT is the reviewer's). */
export type Remedy = Exclude<DecisionKind, 'REJECT'>;

export type CaseChannel = 'APP' | 'PHONE' | 'SYSTEM';
export type Severity = 'MINOR' | 'SEVERE';
export type LiableKind = 'MERCHANT' | 'RIDER' | 'PLATFORM';

export interface RuleRef {
  readonly ruleId: string;
  readonly version: number;
}

export interface ReportCaseInput {
  readonly orderId: string;
  readonly type: CaseType;
  readonly description: string;
  readonly evidence: readonly string[];
  readonly remedy: Remedy;
  /** Required for PARTIAL_REFUND and COUPON; refused for the others. */
  readonly amount?: Money | null | undefined;
}

export interface CaseView {
  readonly id: string;
  readonly orderId: string;
  readonly customerId: string;
  readonly merchantId: string;
  readonly riderId: string | null;
  readonly type: CaseType;
  readonly channel: CaseChannel;
  readonly reporterId: string;
  readonly reporterRole: string;
  readonly description: string;
  readonly evidence: readonly string[];
  readonly requestedRemedy: Remedy;
  readonly requestedAmount: Money | null;
  readonly orderTotal: Money;
  readonly promisedAt: Date | null;
  readonly deliveredAt: Date | null;
  readonly latenessSeconds: number | null;
  readonly claimDelaySeconds: number | null;
  readonly status: string;
  readonly severity: Severity | null;
  readonly classification: RuleRef | null;
  readonly review: (RuleRef & { readonly figures: Record<string, unknown> | null }) | null;
  readonly risk: Record<string, unknown> | null;
  readonly assigneeId: string | null;
  readonly assignedAt: Date | null;
  readonly firstReviewedAt: Date | null;
  readonly decisionCount: number;
  readonly autoDecided: boolean;
  readonly outcome: DecisionKind | null;
  readonly liableKind: LiableKind | null;
  readonly liableId: string | null;
  readonly resolvedAt: Date | null;
  readonly rating: number | null;
  readonly ratingComment: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** One customer's claims over a window, for the risk module (indexed; no table scan). */
export interface ClaimFiguresQuery {
  readonly customerId: string;
  /** Inclusive start of the window (case creation time). */
  readonly from: Date;
  /** Exclusive end of the window. */
  readonly to: Date;
  /** A claim made less than this many seconds after delivery counts as fast (`case_claim_fast`). */
  readonly fastUnderSeconds?: number | undefined;
  /** A claim made more than this many seconds after delivery counts as late (`case_claim_late`). */
  readonly lateAfterSeconds?: number | undefined;
}

export interface ClaimFigures {
  readonly customerId: string;
  readonly from: Date;
  readonly to: Date;
  /** Cases the customer reported (app or hotline; system-detected ones are not claims). */
  readonly claims: number;
  readonly claimsWithoutEvidence: number;
  /** Claims on delivered orders made less than `fastUnderSeconds` / more than `lateAfterSeconds` after delivery. */
  readonly claimsFast: number;
  readonly claimsLate: number;
  /** Time from delivery to the claim over claims on delivered orders (null when there are none). */
  readonly claimDelaySeconds: {
    readonly p50: number | null;
    readonly p90: number | null;
    readonly max: number | null;
  };
  readonly caseIds: readonly string[];
}

export interface DecideInput {
  readonly caseId: string;
  readonly kind: DecisionKind;
  /** PARTIAL_REFUND and COUPON only; FULL_REFUND takes what is still refundable. */
  readonly amount?: Money | null | undefined;
  readonly liable: LiableKind;
  readonly note: string;
}

export type DecisionStatus = 'PROPOSED' | 'EXECUTING' | 'DONE' | 'DECLINED' | 'FAILED';

export interface DecisionView {
  readonly id: string;
  readonly caseId: string;
  readonly seq: number;
  readonly kind: DecisionKind;
  readonly amount: Money | null;
  readonly liableKind: LiableKind;
  readonly liableId: string | null;
  readonly note: string;
  readonly decidedBy: string;
  readonly decidedRole: string;
  readonly auto: boolean;
  readonly rule: RuleRef | null;
  readonly figures: Record<string, unknown> | null;
  readonly status: DecisionStatus;
  readonly respondBy: Date | null;
  readonly response: 'ACCEPTED' | 'DECLINED' | 'TIMEOUT' | null;
  readonly refundId: string | null;
  readonly couponCode: string | null;
  readonly ledgerEntryId: string | null;
  readonly createdAt: Date;
  readonly executedAt: Date | null;
}

export interface DecisionResult {
  readonly case: CaseView;
  readonly decision: DecisionView;
  /** True when the same decision had already been taken (a retried or double-clicked submit). */
  readonly replayed: boolean;
}

/** A case coupon redeemed by the order system on one order. */
export interface CouponRedemption {
  readonly code: string;
  readonly caseId: string;
  readonly customerId: string;
  readonly amount: Money;
  readonly orderId: string;
  readonly redeemedAt: Date;
  /** True when this order had already redeemed it: the same answer again. */
  readonly replayed: boolean;
}

export interface RedeliveryView {
  /** Increasing: the order system pages with `after`. */
  readonly id: string;
  readonly caseId: string;
  readonly orderId: string;
  readonly merchantId: string;
  readonly createdAt: Date;
}
