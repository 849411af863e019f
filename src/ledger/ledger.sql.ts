import { pgErrorOf } from '../db/index.js';
import type { Money } from '../money/index.js';
import { normalSide, type AccountType, type Direction, type OwnerKind } from './chart-of-accounts.js';
import { LedgerError } from './ledger.errors.js';
import type { AccountView, EntryKind, EntryView, PostingView } from './ledger.model.js';

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

export const ACCOUNT_COLUMNS =
  'a.id, a.code, a.currency, a.type, a.owner_kind, a.owner_id, a.non_negative, t.debits_minor, t.credits_minor, a.created_at';

export interface AccountRow {
  id: unknown;
  code: string;
  currency: string;
  type: AccountType;
  owner_kind: OwnerKind | null;
  owner_id: string | null;
  non_negative: boolean;
  debits_minor: unknown;
  credits_minor: unknown;
  created_at: unknown;
}

export function toAccountView(row: AccountRow): AccountView {
  const debits = big(row.debits_minor);
  const credits = big(row.credits_minor);
  const amount = (amountMinor: bigint): Money => ({ amountMinor, currency: row.currency });
  return {
    id: String(row.id),
    code: row.code,
    currency: row.currency,
    type: row.type,
    ownerKind: row.owner_kind,
    ownerId: row.owner_id,
    nonNegative: row.non_negative,
    debits: amount(debits),
    credits: amount(credits),
    balance: amount(normalSide(row.type) === 'DEBIT' ? debits - credits : credits - debits),
    createdAt: date(row.created_at),
  };
}

export const ENTRY_COLUMNS =
  'e.id, e.kind, e.reference_type, e.reference_id, e.memo, e.created_at, e.reverses_entry_id, e.idempotency_key';

export interface EntryRow {
  id: unknown;
  kind: EntryKind;
  reference_type: string;
  reference_id: string;
  memo: string | null;
  created_at: unknown;
  reverses_entry_id: unknown;
  idempotency_key: string;
}

export interface PostingRow {
  id: unknown;
  entry_id: unknown;
  account_id: unknown;
  code: string;
  direction: string;
  amount_minor: unknown;
  currency: string;
}

export function toPostingView(row: PostingRow): PostingView {
  return {
    id: String(row.id),
    accountId: String(row.account_id),
    accountCode: row.code,
    direction: direction(row.direction),
    amount: { amountMinor: big(row.amount_minor), currency: row.currency },
  };
}

export function toEntryView(row: EntryRow, postings: readonly PostingView[]): EntryView {
  return {
    id: String(row.id),
    kind: row.kind,
    reference: { type: row.reference_type, id: row.reference_id },
    memo: row.memo,
    createdAt: date(row.created_at),
    reversesEntryId: row.reverses_entry_id === null ? null : big(row.reverses_entry_id).toString(),
    idempotencyKey: row.idempotency_key,
    postings,
  };
}
