import { defineEntity, p } from '@mikro-orm/core';
import { ReconRunSchema } from './recon-run.entity.js';

/**
 * One difference found by a run (a discrepancy). Its facts never change; its resolution does, once:
 * OPEN → RESOLVED (by finance: TIMING explanation, suspense adjustment, or link) or AUTO_CLOSED (a
 * TIMING item matched by a later day's run).
 */
export const ReconItemSchema = defineEntity({
  name: 'ReconItem',
  tableName: 'recon_item',
  properties: {
    id: p.string().primary().length(64),
    run: () => p.manyToOne(ReconRunSchema).ref().deleteRule('restrict').updateRule('restrict'),
    provider: p.string().length(16),
    billDate: p.string().columnType('date'),
    category: p.string().length(24),
    /** PAYMENT | REFUND */
    kind: p.string().length(8),
    /** Our id at the provider: out_trade_no (payments) or out_refund_no / out_request_no (refunds). */
    matchKey: p.string().length(64),
    outTradeNo: p.string().length(64).nullable(),
    transactionId: p.string().length(64).nullable(),
    providerRefundId: p.string().length(64).nullable(),
    statementLine: p.integer().nullable(),
    statementAmountMinor: p.bigint('bigint').nullable(),
    statementStatus: p.string().length(16).nullable(),
    statementFeeMinor: p.bigint('bigint').nullable(),
    expectedFeeMinor: p.bigint('bigint').nullable(),
    statementAt: p.datetime().nullable(),
    ledgerPaymentId: p.string().length(64).nullable(),
    ledgerRefundId: p.string().length(64).nullable(),
    ledgerAmountMinor: p.bigint('bigint').nullable(),
    ledgerStatus: p.string().length(16).nullable(),
    ledgerAt: p.datetime().nullable(),
    currency: p.string().length(3),
    /** What is at stake, ≥ 0 (the row's amount, or the size of the difference). */
    amountMinor: p.bigint('bigint'),
    /** What the provider's clearing would move by if the ledger followed the provider (signed). */
    clearingDeltaMinor: p.bigint('bigint'),
    detail: p.string().length(300),
    /** OPEN | RESOLVED | AUTO_CLOSED */
    status: p.string().length(16),
    /** TIMING | ADJUSTMENT | LINK | AUTO */
    resolution: p.string().length(16).nullable(),
    resolutionNote: p.string().length(500).nullable(),
    resolvedBy: p.string().length(128).nullable(),
    resolvedRole: p.string().length(16).nullable(),
    resolvedAt: p.datetime().nullable(),
    adjustmentEntryId: p.string().length(32).nullable(),
    linkedType: p.string().length(16).nullable(),
    linkedId: p.string().length(64).nullable(),
    closedByRun: p.string().length(64).nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
  indexes: [
    { properties: ['run', 'category'] },
    { properties: ['provider', 'status', 'category', 'matchKey'] },
    { properties: ['status', 'billDate'] },
  ],
  checks: [
    {
      name: 'recon_item_category_check',
      expression: `category in ('MISSING_IN_LEDGER', 'MISSING_AT_PROVIDER', 'AMOUNT_MISMATCH', 'STATUS_MISMATCH', 'DUPLICATE', 'FEE_MISMATCH', 'TIMING')`,
    },
    { name: 'recon_item_status_check', expression: `status in ('OPEN', 'RESOLVED', 'AUTO_CLOSED')` },
    { name: 'recon_item_amount_check', expression: 'amount_minor >= 0' },
  ],
});

export type ReconItem = InstanceType<typeof ReconItemSchema.class>;
