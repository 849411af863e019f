import { defineEntity, p } from '@mikro-orm/core';

/**
 * A statement file exactly as the provider sent it (or as finance supplied it), kept for good: its
 * bytes live in `recon_file_chunk` and its SHA-256 identifies it (the same file imported twice is the
 * same row). Its rows are parsed again by every run that reconciles it (recon.store.ts). Insert-only.
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
    /** Its row count and its own summary, recorded by the first run that parsed it. */
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
