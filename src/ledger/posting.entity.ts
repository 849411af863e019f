import { defineEntity, p } from '@mikro-orm/core';

/**
 * One leg of a journal entry. Kept narrow (bigint ids, char(1) direction) because it is the table that
 * grows fastest. Append-only; the currency must equal the account's (checked by trigger).
 */
export const PostingSchema = defineEntity({
  name: 'Posting',
  tableName: 'posting',
  properties: {
    id: p.bigint('bigint').primary().autoincrement(),
    /**
     * No foreign keys: the posting trigger (`sql/ledger_apply_posting.sql`) proves both the entry
     * (created by the same transaction) and the account (same currency) exist, more cheaply.
     */
    entryId: p.bigint('bigint'),
    accountId: p.bigint('bigint'),
    /** 'D' (debit) or 'C' (credit). */
    direction: p.string().columnType('char(1)'),
    amountMinor: p.bigint('bigint'),
    currency: p.string().length(3),
  },
  indexes: [{ properties: ['entryId'] }, { properties: ['accountId', 'id'] }],
  checks: [
    { name: 'posting_amount_positive', expression: 'amount_minor > 0' },
    { name: 'posting_direction_check', expression: `direction in ('D', 'C')` },
  ],
});

export type Posting = InstanceType<typeof PostingSchema.class>;
