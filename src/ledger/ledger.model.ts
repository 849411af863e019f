import type { Money } from '../money/index.js';
import type { AccountType, Direction, OwnerKind } from './chart-of-accounts.js';

export type EntryKind =
  | 'PAYMENT_CAPTURED'
  | 'REFUND_APPROVED'
  | 'REFUND_SUCCEEDED'
  | 'REFUND_RELEASED'
  | 'COUPON_COMPENSATION'
  | 'APPEAL_COST_MOVE'
  | 'RECONCILIATION_ADJUSTMENT'
  | 'REVERSAL';

export const ENTRY_KINDS: readonly EntryKind[] = [
  'PAYMENT_CAPTURED',
  'REFUND_APPROVED',
  'REFUND_SUCCEEDED',
  'REFUND_RELEASED',
  'COUPON_COMPENSATION',
  'APPEAL_COST_MOVE',
  'RECONCILIATION_ADJUSTMENT',
  'REVERSAL',
];

/** What caused an entry: a payment, refund, case, reconciliation item, or (for reversals) an entry. */
export interface EntryReference {
  readonly type: string;
  readonly id: string;
}

export interface PostingInput {
  /** A chart-of-accounts code; the account's currency is the amount's. */
  readonly account: string;
  readonly direction: Direction;
  /** Strictly positive. */
  readonly amount: Money;
}

export interface EntryInput {
  readonly kind: EntryKind;
  readonly reference: EntryReference;
  readonly postings: readonly PostingInput[];
  readonly memo?: string;
  /** Defaults to `kind:referenceType:referenceId`, so one business event can post only once. */
  readonly idempotencyKey?: string;
}

export interface AccountView {
  readonly id: string;
  readonly code: string;
  readonly currency: string;
  readonly type: AccountType;
  readonly ownerKind: OwnerKind | null;
  readonly ownerId: string | null;
  readonly nonNegative: boolean;
  readonly debits: Money;
  readonly credits: Money;
  /** On the account's normal side (debits − credits for assets and expenses, the reverse otherwise). */
  readonly balance: Money;
  readonly createdAt: Date;
}

export interface PostingView {
  readonly id: string;
  /** The logical account's id (its shard-0 row), whichever shard the posting went to. */
  readonly accountId: string;
  readonly accountCode: string;
  readonly direction: Direction;
  readonly amount: Money;
}

export interface EntryView {
  readonly id: string;
  readonly kind: EntryKind;
  readonly reference: EntryReference;
  readonly memo: string | null;
  readonly createdAt: Date;
  readonly reversesEntryId: string | null;
  readonly idempotencyKey: string;
  /** In posting-id order: the order the account rows (shards) were locked, by row id. */
  readonly postings: readonly PostingView[];
}

export interface PostResult {
  readonly entry: EntryView;
  /** True when the idempotency key had already posted this same body: nothing new was written. */
  readonly replayed: boolean;
}

export interface StatementLine {
  readonly postingId: string;
  readonly entryId: string;
  readonly entryKind: EntryKind;
  readonly reference: EntryReference;
  readonly createdAt: Date;
  readonly direction: Direction;
  readonly amount: Money;
  /** Normal-side balance of the account right after this posting. */
  readonly runningBalance: Money;
}

export interface TrialBalanceLine {
  readonly currency: string;
  readonly totalDebits: Money;
  readonly totalCredits: Money;
  readonly balanced: boolean;
}
