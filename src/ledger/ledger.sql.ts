import { pgErrorOf, type SqlRow } from '../db/index.js';
import type { Money } from '../money/index.js';
import type { LedgerAccount } from './account.entity.js';
import { normalSide, type Direction } from './chart-of-accounts.js';
import type { JournalEntry } from './journal-entry.entity.js';
import { LedgerError } from './ledger.errors.js';
import type { AccountView, EntryView, PostingView } from './ledger.model.js';
import type { Posting } from './posting.entity.js';

export { pgErrorOf, retryingTransaction, sqlOn, sqlOnPool, type Sql } from '../db/index.js';

/** Database refusals that are expected outcomes become typed errors; everything else stays a bug. */
export function translateError(error: unknown): unknown {
  const pg = pgErrorOf(error);
  if (pg === null) return error;
  if (pg.code === '23514' && pg.constraint === 'ledger_account_non_negative') {
    return new LedgerError('INSUFFICIENT_FUNDS', 'the posting would take a non-negative account below zero');
  }
  if (pg.code === '23514' && pg.constraint === 'posting_currency_matches_account') {
    return new LedgerError('CURRENCY_MISMATCH', 'a posting currency differs from its account currency');
  }
  if (pg.code === '23514' && pg.constraint === 'journal_entry_balanced') {
    return new LedgerError('UNBALANCED_ENTRY', 'the database refused an unbalanced entry');
  }
  if (pg.code === '23505' && pg.constraint === 'journal_entry_reverses_entry_id_unique') {
    return new LedgerError('ENTRY_ALREADY_REVERSED', 'this entry has already been reversed');
  }
  return error;
}

export const big = (value: unknown): bigint => BigInt(String(value));
export const date = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));
export const direction = (value: unknown): Direction => (String(value) === 'D' ? 'DEBIT' : 'CREDIT');
export const dbDirection = (value: Direction): 'D' | 'C' => (value === 'DEBIT' ? 'D' : 'C');

/**
 * Logical accounts: `a` is the shard-0 row (its id is the account's id) and `t` the totals summed over
 * every shard of (code, currency). Queries using it must add `a.shard = 0`.
 */
export const LOGICAL_ACCOUNTS = `ledger_account a cross join lateral (
    select sum(s.debits_minor) as debits_minor, sum(s.credits_minor) as credits_minor
      from ledger_account s where s.code = a.code and s.currency = a.currency) t`;

/** A logical account (`LOGICAL_ACCOUNTS`): the shard-0 row with the totals of every shard. */
export const ACCOUNT_COLUMNS = `a.id, a.code, a.currency, a.type, a.owner_kind as "ownerKind", a.owner_id as "ownerId",
  a.non_negative as "nonNegative", t.debits_minor as "debitsMinor", t.credits_minor as "creditsMinor",
  a.created_at as "createdAt"`;

export type AccountRow = SqlRow<
  LedgerAccount,
  | 'id'
  | 'code'
  | 'currency'
  | 'type'
  | 'ownerKind'
  | 'ownerId'
  | 'nonNegative'
  | 'debitsMinor'
  | 'creditsMinor'
  | 'createdAt'
>;

export function toAccountView(row: AccountRow): AccountView {
  const debits = big(row.debitsMinor);
  const credits = big(row.creditsMinor);
  const amount = (amountMinor: bigint): Money => ({ amountMinor, currency: row.currency });
  return {
    id: String(row.id),
    code: row.code,
    currency: row.currency,
    type: row.type,
    ownerKind: row.ownerKind ?? null,
    ownerId: row.ownerId ?? null,
    nonNegative: row.nonNegative,
    debits: amount(debits),
    credits: amount(credits),
    balance: amount(normalSide(row.type) === 'DEBIT' ? debits - credits : credits - debits),
    createdAt: date(row.createdAt),
  };
}

export const ENTRY_COLUMNS = `e.id, e.kind, e.reference_type as "referenceType", e.reference_id as "referenceId", e.memo,
  e.created_at as "createdAt", e.reverses_entry_id as "reversesEntry", e.idempotency_key as "idempotencyKey"`;

export type EntryRow = SqlRow<
  JournalEntry,
  'id' | 'kind' | 'referenceType' | 'referenceId' | 'memo' | 'createdAt' | 'reversesEntry' | 'idempotencyKey'
>;

/** A posting with its account's code; `accountId` is the logical account's (shard 0) id. */
export type PostingRow = SqlRow<
  Posting,
  'id' | 'entryId' | 'accountId' | 'direction' | 'amountMinor' | 'currency'
> &
  SqlRow<LedgerAccount, 'code'>;

export function toPostingView(row: PostingRow): PostingView {
  return {
    id: String(row.id),
    accountId: String(row.accountId),
    accountCode: row.code,
    direction: direction(row.direction),
    amount: { amountMinor: big(row.amountMinor), currency: row.currency },
  };
}

export function toEntryView(row: EntryRow, postings: readonly PostingView[]): EntryView {
  return {
    id: String(row.id),
    kind: row.kind,
    reference: { type: row.referenceType, id: row.referenceId },
    memo: row.memo ?? null,
    createdAt: date(row.createdAt),
    reversesEntryId: row.reversesEntry ?? null,
    idempotencyKey: row.idempotencyKey,
    postings,
  };
}
