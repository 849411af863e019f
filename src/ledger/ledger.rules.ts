import { createHash } from 'node:crypto';
import { INT8_MAX, isCurrencyCode } from '../money/index.js';
import { accountSpec } from './chart-of-accounts.js';
import { LedgerError } from './ledger.errors.js';
import type { EntryInput, EntryView, PostingInput } from './ledger.model.js';

const MAX_POSTINGS = 64;
const REFERENCE_PART = /^[A-Za-z0-9_.:-]{1,64}$/;

export function idempotencyKeyOf(entry: EntryInput): string {
  return entry.idempotencyKey ?? `${entry.kind}:${entry.reference.type}:${entry.reference.id}`;
}

/**
 * The domain half of the balance invariant (the database checks it again at commit): at least two
 * legs, chart-of-accounts codes, positive int8 amounts, debits = credits in every currency.
 */
export function validateEntry(entry: EntryInput): void {
  if (entry.postings.length < 2 || entry.postings.length > MAX_POSTINGS) {
    throw new LedgerError('INVALID_ENTRY', `an entry has 2–${MAX_POSTINGS} postings`);
  }
  if (!REFERENCE_PART.test(entry.reference.id) || !/^[a-z_]{1,32}$/.test(entry.reference.type)) {
    throw new LedgerError('INVALID_ENTRY', 'reference type is [a-z_]{1,32} and id is [A-Za-z0-9_.:-]{1,64}');
  }
  const key = idempotencyKeyOf(entry);
  if (key.length === 0 || key.length > 200)
    throw new LedgerError('INVALID_ENTRY', 'idempotency key is 1–200 characters');
  if ((entry.memo?.length ?? 0) > 500)
    throw new LedgerError('INVALID_ENTRY', 'memo is at most 500 characters');
  const net = new Map<string, bigint>();
  for (const posting of entry.postings) {
    validatePosting(posting);
    const signed = posting.direction === 'DEBIT' ? posting.amount.amountMinor : -posting.amount.amountMinor;
    net.set(posting.amount.currency, (net.get(posting.amount.currency) ?? 0n) + signed);
  }
  for (const [currency, difference] of net) {
    if (difference !== 0n) {
      throw new LedgerError(
        'UNBALANCED_ENTRY',
        `debits and credits differ by ${difference} minor units of ${currency}`,
        {
          currency,
        },
      );
    }
  }
}

function validatePosting(posting: PostingInput): void {
  accountSpec(posting.account);
  if (!isCurrencyCode(posting.amount.currency)) {
    throw new LedgerError('INVALID_ENTRY', `unknown currency ${posting.amount.currency.slice(0, 8)}`);
  }
  if (posting.amount.amountMinor <= 0n || posting.amount.amountMinor > INT8_MAX) {
    throw new LedgerError('INVALID_ENTRY', 'posting amounts are positive and fit int8');
  }
}

/**
 * Fingerprint of what an entry means (kind, reference, reversal target, postings as a multiset), so a
 * replay under the same key is recognised and a different body is refused. The memo is prose and is
 * left out: retrying with a reworded memo is still the same event.
 */
export function bodyHash(entry: EntryInput, reversesEntryId: string | null): string {
  const legs = entry.postings
    .map((p) => `${p.account}|${p.amount.currency}|${p.direction}|${p.amount.amountMinor}`)
    .sort();
  const canonical = JSON.stringify([
    entry.kind,
    entry.reference.type,
    entry.reference.id,
    reversesEntryId,
    legs,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The postings that undo an entry: same accounts and amounts, directions swapped. */
export function reversalOf(original: EntryView, reason: string, idempotencyKey?: string): EntryInput {
  if (original.kind === 'REVERSAL') {
    throw new LedgerError(
      'CANNOT_REVERSE_REVERSAL',
      'a reversal cannot be reversed; post the original event again',
    );
  }
  return {
    kind: 'REVERSAL',
    reference: { type: 'journal_entry', id: original.id },
    memo: reason.slice(0, 500),
    idempotencyKey: idempotencyKey ?? `REVERSAL:journal_entry:${original.id}`,
    postings: original.postings.map((p) => ({
      account: p.accountCode,
      direction: p.direction === 'DEBIT' ? 'CREDIT' : 'DEBIT',
      amount: p.amount,
    })),
  };
}
