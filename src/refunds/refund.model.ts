import type { LiableParty } from '../ledger/index.js';
import type { Money } from '../money/index.js';
import type { Channel } from '../providers/index.js';
import type { RefundRiskAssessment } from './refund.risk.js';
import type { RefundStatus, TransitionSource } from './refund.state.js';

export type LiablePartyKind = 'MERCHANT' | 'RIDER' | 'PLATFORM';

export interface RequestRefundInput {
  /** Scoped to the caller: the same key from another caller is another command. */
  readonly idempotencyKey: string;
  readonly paymentId?: string | null | undefined;
  readonly orderId?: string | null | undefined;
  readonly amount: Money;
  readonly reason: string;
  readonly liableParty: LiablePartyKind;
  readonly caseId?: string | null | undefined;
  /**
   * How risk flagging routed this customer, as the caller asked it for this very request (an
   * after-sales case's review, moments before): the command uses it instead of evaluating the risk
   * rules a second time. Without it, the command asks risk flagging itself.
   */
  readonly assessedRisk?: RefundRiskAssessment | undefined;
}

/**
 * A refund request another module commits inside its own group statement, with its own rows (the cases
 * module: an auto-approved report and its refund in one transaction). `item` is what
 * `refund_request_batch` takes for the request (an opaque JSON object: ids, legs, audit, trace); the
 * caller's SQL passes the group's items and `batchArgs` to it and reads each one's `outcome`.
 */
export interface EmbeddedRefund {
  readonly refundId: string;
  readonly item: object;
  /**
   * After the caller's statement committed (or returned) with this request's outcome: CREATED counts
   * it; a refusal is the error the command would have thrown; KEY_TAKEN (another request with the key
   * committed first) answers null: ask `requestRefund`, which replays it.
   */
  settle(outcome: string): Promise<{ readonly created: boolean; readonly error: Error | null }>;
}

/** `refund_request_batch`'s arguments after the items, in order (the command's rules and submit queue). */
export type RefundBatchArgs = readonly [number, number, number, number, string];

/** A refund with what the provider needs of its payment (the payments module's facts). */
export interface RefundPayment {
  readonly refund: RefundView;
  readonly payment: {
    readonly outTradeNo: string;
    readonly providerTransactionId: string | null;
    readonly amount: Money;
  };
}

export interface RefundView {
  readonly id: string;
  readonly paymentId: string;
  readonly orderId: string;
  readonly customerId: string;
  readonly merchantId: string;
  readonly channel: Channel;
  readonly amount: Money;
  readonly reason: string;
  readonly liable: LiableParty;
  readonly caseId: string | null;
  readonly status: RefundStatus;
  readonly settledBy: 'PROVIDER' | 'MANUAL' | null;
  readonly providerRefundId: string | null;
  readonly requestedBy: string;
  readonly requestedRole: string;
  readonly attempts: number;
  readonly lastErrorCode: string | null;
  readonly lastErrorMessage: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly submittedAt: Date | null;
  readonly finalizedAt: Date | null;
}

/** Told of every refund entering a status (PENDING when created; then each transition that changed it). */
export type RefundStatusObserver = (status: RefundStatus, channel: Channel) => void;

export interface RequestRefundResult {
  readonly refund: RefundView;
  /** True when this key had already created the refund: nothing new happened. */
  readonly replayed: boolean;
}

export interface RefundEventView {
  readonly id: string;
  readonly refundId: string;
  readonly fromStatus: RefundStatus | null;
  readonly toStatus: RefundStatus;
  readonly source: TransitionSource;
  readonly actorId: string;
  readonly actorRole: string;
  readonly detail: Record<string, unknown> | null;
  readonly occurredAt: Date;
}

export interface RefundChange {
  readonly to: RefundStatus;
  readonly source: TransitionSource;
  readonly providerRefundId?: string | null | undefined;
  readonly settledBy?: 'PROVIDER' | 'MANUAL' | undefined;
  readonly detail?: Record<string, unknown> | undefined;
  /** A job queued with the change if it leaves the refund PROCESSING (the first poll after submission). */
  readonly followUp?: { readonly queue: string; readonly data: object; readonly delaySeconds: number };
  /**
   * Applied only while this is still the refund's latest submission (its `attempts`). A refusal answers
   * one submission; once a later one has been claimed (the lease ran out), the provider may have accepted
   * that one, so the older refusal says nothing about the refund any more.
   */
  readonly onlyForAttempt?: number | undefined;
}

export interface TransitionResult {
  readonly refund: RefundView;
  /** False for duplicates and late, out-of-order changes: nothing was written. */
  readonly changed: boolean;
}

export interface RefundFilter {
  readonly status?: RefundStatus | undefined;
  readonly channel?: Channel | undefined;
  readonly paymentId?: string | undefined;
  readonly orderId?: string | undefined;
  readonly customerId?: string | undefined;
  readonly merchantId?: string | undefined;
  readonly createdFrom?: Date | undefined;
  readonly createdTo?: Date | undefined;
}

/** What the caller may see: everything (back office) or one customer's / merchant's refunds. */
export type RefundScope =
  { readonly kind: 'ALL' } | { readonly kind: 'CUSTOMER' | 'MERCHANT'; readonly id: string };
