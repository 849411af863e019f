import { defineEntity, p } from '@mikro-orm/core';
import type { AccountType, OwnerKind } from './chart-of-accounts.js';

/**
 * A ledger account row. The logical account is (code, currency): `merchant:m_42:payable` in CNY and in
 * USD are two accounts. A hot account (see `shards` in the chart of accounts) has several rows, one per
 * `shard`, so concurrent posters lock different rows; reads sum them. Cached totals are written only by the posting trigger (`sql/ledger_apply_posting.sql`); the
 * non-negative rule is a CHECK on the row, so it holds under any concurrency.
 */
export const LedgerAccountSchema = defineEntity({
  name: 'LedgerAccount',
  tableName: 'ledger_account',
  properties: {
    id: p.bigint('bigint').primary().autoincrement(),
    code: p.string().length(128),
    currency: p.string().length(3),
    shard: p.smallint().default(0),
    type: p.string().length(16).$type<AccountType>(),
    ownerKind: p.string().length(16).$type<OwnerKind>().nullable(),
    ownerId: p.string().length(64).nullable(),
    nonNegative: p.boolean().default(false),
    debitsMinor: p.bigint('bigint').default(0),
    creditsMinor: p.bigint('bigint').default(0),
    createdAt: p.datetime().defaultRaw('now()'),
  },
  uniques: [{ properties: ['code', 'currency', 'shard'] }],
  indexes: [{ properties: ['ownerKind', 'ownerId'] }],
  // Type, currency and shard are checked on insert by the guard trigger (they are immutable); these two
  // concern the totals that every posting updates.
  checks: [
    { name: 'ledger_account_totals_check', expression: 'debits_minor >= 0 and credits_minor >= 0' },
    {
      name: 'ledger_account_non_negative',
      expression: `not non_negative or (case when type in ('ASSET', 'EXPENSE') then debits_minor - credits_minor else credits_minor - debits_minor end) >= 0`,
    },
  ],
});

export type LedgerAccount = InstanceType<typeof LedgerAccountSchema.class>;
