export {
  ACCOUNT_TYPES,
  HOT_ACCOUNT_SHARDS,
  PROVIDERS,
  accountCodes,
  accountSpec,
  normalSide,
  shardOf,
  type AccountSpec,
  type AccountType,
  type Direction,
  type OwnerKind,
  type ProviderName,
} from './chart-of-accounts.js';
export { ALL_ACCOUNTS, assertMayRead, ledgerScopeFor, type LedgerScope } from './ledger.access.js';
export { JournalEntrySchema, LedgerAccountSchema, PostingSchema } from './entities.js';
export { LedgerError, type LedgerErrorCode } from './ledger.errors.js';
export {
  appealCostMove,
  couponCompensation,
  liableAccount,
  paymentCaptured,
  reconciliationAdjustment,
  refundApproved,
  refundReleased,
  refundSucceeded,
  type AppealCostMove,
  type CouponCompensation,
  type LiableParty,
  type LiableShare,
  type PaymentCaptured,
  type ReconciliationAdjustment,
  type RefundMovement,
} from './ledger.events.js';
export {
  ENTRY_KINDS,
  type AccountView,
  type EntryInput,
  type EntryKind,
  type EntryReference,
  type EntryView,
  type PostingInput,
  type PostingView,
  type PostResult,
  type StatementLine,
  type TrialBalanceLine,
} from './ledger.model.js';
export type {
  AccountActivity,
  AccountFilter,
  CachedBalanceMismatch,
  EntryFilter,
  PageRequest,
  Slice,
} from './ledger.queries.js';
export { bodyHash, idempotencyKeyOf, reversalOf, validateEntry } from './ledger.rules.js';
export {
  LedgerService,
  type LedgerWriter,
  type PostOptions,
  type PreparedEntry,
  type ReverseOptions,
} from './ledger.service.js';
export { LedgerResolver } from './ledger.resolver.js';
export { translateError as translateLedgerError } from './ledger.sql.js';
