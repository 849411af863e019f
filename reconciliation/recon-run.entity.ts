import { defineEntity, p } from '@mikro-orm/core';
import { ReconFileSchema } from './recon-file.entity.js';

/**
 * One reconciliation of a provider's bill date. Idempotent per (provider, bill date): a re-run
 * supersedes the current run (kept as history) in the transaction that writes the new one. A failed
 * attempt is recorded too (status FAILED, never current) and changes nothing else.
 */
export const ReconRunSchema = defineEntity({
  name: 'ReconRun',
  tableName: 'recon_run',
  properties: {
    id: p.string().primary().length(64),
    provider: p.string().length(16),
    billDate: p.string().columnType('date'),
    /** COMPLETED | EMPTY (no bill for the day) | FAILED */
    status: p.string().length(16),
    file: () => p.manyToOne(ReconFileSchema).ref().nullable().deleteRule('restrict').updateRule('restrict'),
    /** SCHEDULE | CLI | GRAPHQL */
    trigger: p.string().length(16),
    requestedBy: p.string().length(128),
    errorCode: p.string().length(32).nullable(),
    errorMessage: p.string().length(500).nullable(),
    errorLine: p.integer().nullable(),
    currency: p.string().length(3).default('CNY'),
    statementRows: p.integer().default(0),
    statementPaymentCount: p.integer().default(0),
    statementPaymentMinor: p.bigint('bigint').default(0),
    statementRefundCount: p.integer().default(0),
    statementRefundMinor: p.bigint('bigint').default(0),
    statementFeeMinor: p.bigint('bigint').default(0),
    ledgerPaymentCount: p.integer().default(0),
    ledgerPaymentMinor: p.bigint('bigint').default(0),
    ledgerRefundCount: p.integer().default(0),
    ledgerRefundMinor: p.bigint('bigint').default(0),
    matchedCount: p.integer().default(0),
    matchedMinor: p.bigint('bigint').default(0),
    /** Open TIMING items of earlier days closed by this run. */
    timingClosedCount: p.integer().default(0),
    /** `provider:{p}:clearing` over the bill date: opening + debits − credits = closing. */
    clearingOpeningMinor: p.bigint('bigint').default(0),
    clearingDebitMinor: p.bigint('bigint').default(0),
    clearingCreditMinor: p.bigint('bigint').default(0),
    clearingClosingMinor: p.bigint('bigint').default(0),
    startedAt: p.datetime(),
    finishedAt: p.datetime().defaultRaw('now()'),
    supersededAt: p.datetime().nullable(),
    supersededBy: p.string().length(64).nullable(),
  },
  indexes: [{ properties: ['provider', 'billDate', 'startedAt'] }, { properties: ['billDate'] }],
  uniques: [
    {
      name: 'recon_run_current_unique',
      expression: `create unique index "recon_run_current_unique" on "recon_run" ("provider", "bill_date") where status <> 'FAILED' and superseded_at is null`,
    },
  ],
});

export type ReconRun = InstanceType<typeof ReconRunSchema.class>;
