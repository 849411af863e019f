import type { z } from 'zod';

/** What a customer's active ENFORCE flags do to their new cases and refunds. */
export type RiskRouting = 'NONE' | 'REVIEW' | 'BLOCK_AUTO_REFUND';
/** REVIEW: new cases go to manual review; BLOCK_AUTO_REFUND: no automatic approvals; WATCH: record only. */
export type RiskAction = 'REVIEW' | 'BLOCK_AUTO_REFUND' | 'WATCH';
/** SHADOW records what a rule would have done without routing anything; OFF raises nothing. */
export type RiskRuleMode = 'ENFORCE' | 'SHADOW' | 'OFF';
export type RiskFlagMode = 'ENFORCE' | 'SHADOW';
export type RiskFlagStatus = 'ACTIVE' | 'EXPIRED' | 'CLEARED';
/** Whom a flag is about: customers are flagged against themselves, merchants and riders for the platform. */
export type RiskSubjectKind = 'CUSTOMER' | 'MERCHANT' | 'RIDER';
export type RiskTrigger = 'CASE' | 'REFUND' | 'SWEEP';

export const RISK_ACTIONS: readonly RiskAction[] = ['REVIEW', 'BLOCK_AUTO_REFUND', 'WATCH'];
export const RISK_RULE_MODES: readonly RiskRuleMode[] = ['ENFORCE', 'SHADOW', 'OFF'];

export interface RiskFlagRef {
  readonly id: string;
  readonly ruleId: string;
  readonly ruleVersion: number;
  readonly action: string;
  readonly mode: RiskFlagMode;
}

export interface RiskAssessment {
  /** The strongest action among the customer's active ENFORCE flags (WATCH and SHADOW never route). */
  readonly routing: RiskRouting;
  readonly flags: readonly RiskFlagRef[];
}

/** Figures are integers or bigint minor units; ratios are compared by cross-multiplying, never as floats. */
export type FigureValue = number | bigint | string;

/** Why a rule fired: the figures it saw, the thresholds it compared them with, and the rows behind them. */
export interface RuleHit {
  readonly figures: Readonly<Record<string, FigureValue>>;
  readonly thresholds: Readonly<Record<string, FigureValue>>;
  readonly evidence: RiskEvidence;
}

export interface RiskEvidence {
  readonly refundIds?: readonly string[];
  readonly orderIds?: readonly string[];
  readonly caseIds?: readonly string[];
  /** Accounts flagged together (a shared payer's cluster). */
  readonly customerIds?: readonly string[];
  readonly payerAccount?: string;
}

/** One customer's figures at one moment, computed in SQL by the modules that own the rows. */
export interface CustomerFigures {
  readonly customerId: string;
  readonly refunds7d: number;
  readonly refunds30d: number;
  readonly refunded7dMinor: bigint;
  readonly refunded30dMinor: bigint;
  readonly refundedOrders90d: number;
  readonly orders90d: number;
  readonly spent30dMinor: bigint;
  readonly refundIds7d: readonly string[];
  readonly refundIds30d: readonly string[];
  readonly refundedOrderIds90d: readonly string[];
  /** Claims (after-sales cases) in the last 30 days, when the cases module provides them. */
  readonly claims30d: number;
  readonly claimsWithoutEvidence30d: number;
  /** Claims made less than the fast threshold or more than the late threshold after delivery. */
  readonly claimsFast30d: number;
  readonly claimsLate30d: number;
  readonly caseIds30d: readonly string[];
  /** The payer account the customer shares with the most accounts that refunded in 30 days. */
  readonly payerAccount: string | null;
  /** Those accounts (the customer included when it refunded), at most 50. */
  readonly payerRefundingCustomerIds: readonly string[];
}

/**
 * A rule over one customer's figures: a pure function, versioned by its parameters. `windowDays` is how
 * long a flag it raises stays active (the window its figures cover).
 */
export interface CustomerRule<P = unknown> {
  readonly id: string;
  readonly title: string;
  readonly windowDays: number;
  /** A cluster rule flags every account in its hit's `evidence.customerIds`, not only the one evaluated. */
  readonly cluster?: boolean;
  /** The parts of the figures it reads: a part no rule still able to fire needs is not read. */
  readonly needs: readonly FigurePart[];
  readonly params: z.ZodType<P>;
  evaluate(figures: CustomerFigures, params: P): RuleHit | null;
}

/**
 * Parts of a customer's figures, each read by one owner's function (`sql/risk_customer_figures.sql`):
 * `refunds` the 7- and 30-day refund counts and sums, `refundedOrders` the orders refunded in 90 days,
 * `orders` the orders placed in 90 days, `spend` what was paid in 30 days, `claims` the 30-day claims,
 * `payer` the payer-account cluster.
 */
export type FigurePart = 'refunds' | 'refundedOrders' | 'orders' | 'spend' | 'claims' | 'payer';

/** A merchant's or rider's claims against their peers' (every other one of the kind) in one period. */
export interface PlatformFigures {
  readonly subjectKind: 'MERCHANT' | 'RIDER';
  readonly subjectId: string;
  readonly orders: number;
  readonly claims: number;
  readonly peerOrders: number;
  readonly peerClaims: number;
  /** Orders claimed against the subject (at most 50). */
  readonly claimedOrderIds: readonly string[];
  /** The period, e.g. `2026-11-01/2026-12-01`: the "activity" a cleared flag covers. */
  readonly period: string;
}

/** A rule over merchants or riders, for the platform (never against the customer); run by the sweep. */
export interface PlatformRule<P = unknown> {
  readonly id: string;
  readonly title: string;
  readonly windowDays: number;
  readonly subjectKind: 'MERCHANT' | 'RIDER';
  readonly params: z.ZodType<P>;
  evaluate(figures: PlatformFigures, params: P): RuleHit | null;
}

/** A rule version as stored: changing parameters, action or mode makes a new version. */
export interface RuleVersion {
  readonly ruleId: string;
  readonly version: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly action: RiskAction;
  readonly mode: RiskRuleMode;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly note: string | null;
}

export interface RiskFlagView {
  readonly id: string;
  readonly subjectKind: RiskSubjectKind;
  readonly subjectId: string;
  readonly ruleId: string;
  readonly ruleVersion: number;
  readonly action: RiskAction;
  readonly mode: RiskFlagMode;
  readonly status: RiskFlagStatus;
  readonly trigger: RiskTrigger;
  readonly triggerSubjectId: string | null;
  readonly figures: Readonly<Record<string, string>>;
  readonly thresholds: Readonly<Record<string, string>>;
  readonly evidence: RiskEvidence;
  readonly raisedAt: Date;
  readonly expiresAt: Date;
  readonly expiredAt: Date | null;
  readonly clearedAt: Date | null;
  readonly clearedBy: string | null;
  readonly clearReason: string | null;
}

export interface RiskFlagFilter {
  readonly ruleId?: string | undefined;
  readonly status?: RiskFlagStatus | undefined;
  readonly action?: RiskAction | undefined;
  readonly subjectKind?: RiskSubjectKind | undefined;
  readonly subjectId?: string | undefined;
  /** Raised at least this long ago / at most this long ago (age filters). */
  readonly raisedBefore?: Date | undefined;
  readonly raisedAfter?: Date | undefined;
}

/** The strongest routing among flags: BLOCK_AUTO_REFUND > REVIEW > NONE; only ENFORCE flags count. */
export function routingOf(flags: readonly Pick<RiskFlagRef, 'action' | 'mode'>[]): RiskRouting {
  let routing: RiskRouting = 'NONE';
  for (const flag of flags) {
    if (flag.mode !== 'ENFORCE') continue;
    if (flag.action === 'BLOCK_AUTO_REFUND') return 'BLOCK_AUTO_REFUND';
    if (flag.action === 'REVIEW') routing = 'REVIEW';
  }
  return routing;
}
