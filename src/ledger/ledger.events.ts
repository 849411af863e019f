import { subtractMoney, sumMoney, type Money } from '../money/index.js';
import { accountCodes, type Direction, type ProviderName } from './chart-of-accounts.js';
import { LedgerError } from './ledger.errors.js';
import type { EntryInput, PostingInput } from './ledger.model.js';

/**
 * Typed builders for the postings of each business event (docs/money-and-ledger.md), so callers never hand-write legs. Each returns an
 * `EntryInput` whose default idempotency key is `kind:referenceType:referenceId`.
 */

/** Who bears a cost. */
export type LiableParty =
  { kind: 'MERCHANT'; id: string } | { kind: 'RIDER'; id: string } | { kind: 'PLATFORM' };

/** A cost split between parties (e.g. 70 % merchant, 30 % platform — use `allocateMoney` for the parts). */
export interface LiableShare {
  readonly party: LiableParty;
  readonly amount: Money;
}

export function liableAccount(party: LiableParty): string {
  switch (party.kind) {
    case 'MERCHANT':
      return accountCodes.merchantPayable(party.id);
    case 'RIDER':
      return accountCodes.riderPayable(party.id);
    case 'PLATFORM':
      return accountCodes.platformCompensation();
  }
}

export interface PaymentCaptured {
  readonly paymentId: string;
  readonly provider: ProviderName;
  readonly merchantId: string;
  readonly amount: Money;
  /** Split given with the payment; whatever is not commission or rider goes to the merchant. */
  readonly commission?: Money;
  readonly rider?: { readonly riderId: string; readonly amount: Money };
  readonly memo?: string;
}

/** Dr provider clearing / Cr merchant payable, platform commission, rider payable. */
export function paymentCaptured(event: PaymentCaptured): EntryInput {
  const shares: PostingInput[] = [];
  if (event.commission && event.commission.amountMinor > 0n) {
    shares.push(leg(accountCodes.platformCommission(), 'CREDIT', event.commission));
  }
  if (event.rider && event.rider.amount.amountMinor > 0n) {
    shares.push(leg(accountCodes.riderPayable(event.rider.riderId), 'CREDIT', event.rider.amount));
  }
  const merchant = subtractMoney(
    event.amount,
    sumMoney(
      shares.map((s) => s.amount),
      event.amount.currency,
    ),
  );
  if (merchant.amountMinor < 0n) {
    throw new LedgerError('INVALID_ENTRY', 'commission and rider share exceed the payment');
  }
  if (merchant.amountMinor > 0n)
    shares.push(leg(accountCodes.merchantPayable(event.merchantId), 'CREDIT', merchant));
  return {
    kind: 'PAYMENT_CAPTURED',
    reference: { type: 'payment', id: event.paymentId },
    memo: event.memo,
    postings: [leg(accountCodes.providerClearing(event.provider), 'DEBIT', event.amount), ...shares],
  };
}

export interface RefundMovement {
  readonly refundId: string;
  readonly provider: ProviderName;
  readonly amount: Money;
  /** One party, or a split whose amounts sum to `amount`. */
  readonly liable: LiableParty | readonly LiableShare[];
  readonly memo?: string;
}

/** Dr liable party's payable (or platform compensation) / Cr refunds in flight. */
export function refundApproved(event: RefundMovement): EntryInput {
  return {
    kind: 'REFUND_APPROVED',
    reference: { type: 'refund', id: event.refundId },
    memo: event.memo,
    postings: [
      ...liableLegs(event.liable, event.amount, 'DEBIT'),
      leg(accountCodes.refundsInFlight(event.provider), 'CREDIT', event.amount),
    ],
  };
}

/** Dr refunds in flight / Cr provider clearing: the provider paid the customer. */
export function refundSucceeded(event: Omit<RefundMovement, 'liable'>): EntryInput {
  return {
    kind: 'REFUND_SUCCEEDED',
    reference: { type: 'refund', id: event.refundId },
    memo: event.memo,
    postings: [
      leg(accountCodes.refundsInFlight(event.provider), 'DEBIT', event.amount),
      leg(accountCodes.providerClearing(event.provider), 'CREDIT', event.amount),
    ],
  };
}

/** Refund FAILED or CLOSED: the reverse of approval (Dr refunds in flight / Cr liable party). */
export function refundReleased(event: RefundMovement): EntryInput {
  return {
    kind: 'REFUND_RELEASED',
    reference: { type: 'refund', id: event.refundId },
    memo: event.memo,
    postings: [
      leg(accountCodes.refundsInFlight(event.provider), 'DEBIT', event.amount),
      ...liableLegs(event.liable, event.amount, 'CREDIT'),
    ],
  };
}

export interface CouponCompensation {
  readonly caseId: string;
  readonly customerId: string;
  readonly amount: Money;
  /** Usually the platform; a case may charge the merchant or rider instead. */
  readonly payer: LiableParty;
  readonly memo?: string;
}

/** Dr platform compensation (or liable party) / Cr customer coupons. */
export function couponCompensation(event: CouponCompensation): EntryInput {
  return {
    kind: 'COUPON_COMPENSATION',
    reference: { type: 'case', id: event.caseId },
    memo: event.memo,
    postings: [
      leg(liableAccount(event.payer), 'DEBIT', event.amount),
      leg(accountCodes.customerCoupons(event.customerId), 'CREDIT', event.amount),
    ],
  };
}

export interface AppealCostMove {
  readonly appealId: string;
  readonly amount: Money;
  /** Who bore the cost until the appeal was overturned. */
  readonly from: LiableParty;
  /** Who bears it now. */
  readonly to: LiableParty;
  readonly memo?: string;
}

/** Moves a cost between liable parties, e.g. Dr platform compensation / Cr merchant payable. */
export function appealCostMove(event: AppealCostMove): EntryInput {
  return {
    kind: 'APPEAL_COST_MOVE',
    reference: { type: 'appeal', id: event.appealId },
    memo: event.memo,
    postings: [
      leg(liableAccount(event.to), 'DEBIT', event.amount),
      leg(liableAccount(event.from), 'CREDIT', event.amount),
    ],
  };
}

export interface ReconciliationAdjustment {
  readonly itemId: string;
  readonly provider: ProviderName;
  readonly amount: Money;
  /** DEBIT: suspense holds money we did not expect (e.g. provider has more); CREDIT: the opposite. */
  readonly suspenseSide: Direction;
  /** Usually the provider's clearing account. */
  readonly counterAccount: string;
  /** Required: what was found and why this resolves it. */
  readonly note: string;
  readonly discrepancy: string;
}

/** Against `recon:{provider}:suspense`, always with a note and the discrepancy it resolves. */
export function reconciliationAdjustment(event: ReconciliationAdjustment): EntryInput {
  if (event.note.trim().length === 0)
    throw new LedgerError('INVALID_ENTRY', 'a reconciliation adjustment needs a note');
  const other: Direction = event.suspenseSide === 'DEBIT' ? 'CREDIT' : 'DEBIT';
  return {
    kind: 'RECONCILIATION_ADJUSTMENT',
    reference: { type: 'recon_item', id: event.itemId },
    memo: `${event.discrepancy}: ${event.note}`.slice(0, 500),
    postings: [
      leg(accountCodes.reconSuspense(event.provider), event.suspenseSide, event.amount),
      leg(event.counterAccount, other, event.amount),
    ],
  };
}

function liableLegs(
  liable: LiableParty | readonly LiableShare[],
  total: Money,
  direction: Direction,
): PostingInput[] {
  const shares: readonly LiableShare[] = isShares(liable) ? liable : [{ party: liable, amount: total }];
  const sum = sumMoney(
    shares.map((s) => s.amount),
    total.currency,
  );
  if (sum.amountMinor !== total.amountMinor) {
    throw new LedgerError('UNBALANCED_ENTRY', 'liable shares must sum to the refund amount');
  }
  return shares
    .filter((s) => s.amount.amountMinor > 0n)
    .map((s) => leg(liableAccount(s.party), direction, s.amount));
}

function isShares(liable: LiableParty | readonly LiableShare[]): liable is readonly LiableShare[] {
  return Array.isArray(liable);
}

function leg(account: string, direction: Direction, amount: Money): PostingInput {
  return { account, direction, amount };
}
