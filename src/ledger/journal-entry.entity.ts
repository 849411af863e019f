import { defineEntity, p } from '@mikro-orm/core';
import type { EntryKind } from './ledger.model.js';

/**
 * One business event in the ledger. Append-only; corrections are reversing entries. The idempotency key
 * (by default kind + reference) makes the same event impossible to post twice.
 */
export const JournalEntrySchema = defineEntity({
  name: 'JournalEntry',
  tableName: 'journal_entry',
  properties: {
    id: p.bigint('bigint').primary().autoincrement(),
    kind: p.string().length(32).$type<EntryKind>(),
    referenceType: p.string().length(32),
    referenceId: p.string().length(64),
    memo: p.string().length(500).nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    reversesEntry: () =>
      p.manyToOne(JournalEntrySchema).ref().nullable().unique().deleteRule('restrict').updateRule('restrict'),
    idempotencyKey: p.string().length(200).unique(),
    /** SHA-256 (hex) of the canonical body, to tell a replay from a different body under the same key. */
    bodyHash: p.string().length(64),
    /** The transaction that created the entry: postings may be added only in that same transaction. */
    createdXact: p.string().columnType('xid8').defaultRaw('pg_current_xact_id()'),
  },
  indexes: [{ properties: ['referenceType', 'referenceId'] }, { properties: ['createdAt'] }],
});

export type JournalEntry = InstanceType<typeof JournalEntrySchema.class>;
