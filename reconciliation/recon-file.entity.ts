import { defineEntity, p } from '@mikro-orm/core';

/**
 * A statement file exactly as the provider sent it (or as finance supplied it), kept for good: its
 * bytes live in `recon_file_chunk`, its SHA-256 identifies it (the same file imported twice is the
 * same row), and its parsed rows in `recon_statement_row`. Insert-only.
 */
export const ReconFileSchema = defineEntity({
  name: 'ReconFile',
  tableName: 'recon_file',
  properties: {
    id: p.string().primary().length(64),
    provider: p.string().length(16),
    billDate: p.string().columnType('date'),
    /** WECHATPAY_TRADEBILL_GZIP | WECHATPAY_TRADEBILL_CSV | ALIPAY_TRADE_ZIP */
    format: p.string().length(32),
    fileName: p.string().length(255),
    sha256: p.string().length(64),
    byteSize: p.bigint('bigint'),
    /** DOWNLOAD (through the provider's API) or UPLOAD (a file handed to the CLI). */
    source: p.string().length(16),
    /** Parsed rows and the file's own summary, once loaded into `recon_statement_row`. */
    rowCount: p.integer().nullable(),
    summaryPaymentMinor: p.bigint('bigint').nullable(),
    summaryRefundMinor: p.bigint('bigint').nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
  uniques: [{ name: 'recon_file_content_unique', properties: ['provider', 'billDate', 'sha256'] }],
});

export type ReconFile = InstanceType<typeof ReconFileSchema.class>;

/** The raw bytes of a statement file, in order, ≤ 1 MiB each (written and read as streams). */
export const ReconFileChunkSchema = defineEntity({
  name: 'ReconFileChunk',
  tableName: 'recon_file_chunk',
  properties: {
    file: () => p.manyToOne(ReconFileSchema).ref().primary().deleteRule('restrict').updateRule('restrict'),
    seq: p.integer().primary(),
    data: p.blob(),
  },
});

/**
 * One parsed statement line, normalised to minor units and provider ids, loaded in bulk (COPY). No
 * index but the file's: the matcher reads a file's rows in one pass and hash-joins them.
 */
export const ReconStatementRowSchema = defineEntity({
  name: 'ReconStatementRow',
  tableName: 'recon_statement_row',
  properties: {
    /** No foreign key: rows are COPYed in bulk right after their file row, in the same transaction. */
    fileId: p.string().length(64).primary(),
    lineNo: p.integer().primary(),
    /** PAYMENT | REFUND */
    kind: p.string().length(8),
    outTradeNo: p.string().length(64),
    transactionId: p.string().length(64),
    refundNo: p.string().length(64).nullable(),
    providerRefundId: p.string().length(64).nullable(),
    amountMinor: p.bigint('bigint'),
    currency: p.string().length(3),
    /** The fee as the file gives it, in 10^-feeScale of the major unit (signed as in the file). */
    feeUnits: p.bigint('bigint'),
    feeScale: p.smallint(),
    providerStatus: p.string().length(16),
    occurredAt: p.datetime(),
  },
});
