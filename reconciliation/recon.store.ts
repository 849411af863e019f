/**
 * Reconciliation's writes of statement files, on the run's own connection and inside its transaction:
 * the raw bytes in 1 MiB chunks keyed by SHA-256 (the same file twice is the same row: a no-op), and
 * the parsed rows COPYed into `recon_statement_row` as the parser yields them. Nothing is held whole.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { newId } from '../src/db/index.js';
import {
  readStatement,
  type ByteSource,
  type StatementFormat,
  type StatementLine,
  type StatementParse,
} from '../src/providers/index.js';
import type { ReconProvider } from './recon.model.js';

const CHUNK_BYTES = 1 << 20;
const COPY_BATCH_BYTES = 1 << 16;

export interface FileInput {
  readonly provider: ReconProvider;
  readonly billDate: string;
  readonly format: StatementFormat;
  readonly fileName: string;
  readonly source: 'DOWNLOAD' | 'UPLOAD';
  /** The file's bytes, readable more than once (a buffer, or a path opened again). */
  readonly bytes: () => ByteSource;
}

export interface StoredFile {
  readonly id: string;
  readonly sha256: string;
  /** False when the same bytes were stored before: their rows are already loaded. */
  readonly created: boolean;
}

async function digest(bytes: ByteSource): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of bytes) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Stores the file unless the same bytes are already stored for this provider and date. */
export async function storeFile(client: pg.Client, input: FileInput): Promise<StoredFile> {
  const { sha256, size } = await digest(input.bytes());
  const inserted = await client.query<{ id: string }>(
    `insert into recon_file (id, provider, bill_date, format, file_name, sha256, byte_size, source)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (provider, bill_date, sha256) do nothing returning id`,
    [
      newId('rcf'),
      input.provider,
      input.billDate,
      input.format,
      input.fileName.slice(0, 255),
      sha256,
      size,
      input.source,
    ],
  );
  const id = inserted.rows[0]?.id;
  if (id === undefined) {
    const existing = await client.query<{ id: string }>(
      `select id from recon_file where provider = $1 and bill_date = $2 and sha256 = $3`,
      [input.provider, input.billDate, sha256],
    );
    return { id: existing.rows[0]!.id, sha256, created: false };
  }
  await writeChunks(client, id, input.bytes());
  return { id, sha256, created: true };
}

async function writeChunks(client: pg.Client, fileId: string, bytes: ByteSource): Promise<void> {
  let seq = 0;
  let pending: Buffer[] = [];
  let pendingSize = 0;
  const flush = async (): Promise<void> => {
    if (pendingSize === 0) return;
    await client.query(`insert into recon_file_chunk (file_id, seq, data) values ($1, $2, $3)`, [
      fileId,
      seq++,
      Buffer.concat(pending),
    ]);
    pending = [];
    pendingSize = 0;
  };
  for await (const chunk of bytes) {
    for (let at = 0; at < chunk.length;) {
      const take = Math.min(chunk.length - at, CHUNK_BYTES - pendingSize);
      pending.push(Buffer.from(chunk.subarray(at, at + take)));
      pendingSize += take;
      at += take;
      if (pendingSize === CHUNK_BYTES) await flush();
    }
  }
  await flush();
}

/** A stored file's bytes, chunk by chunk (for re-parsing or the download of the original). */
export async function* storedBytes(client: pg.Client, fileId: string): AsyncGenerator<Uint8Array> {
  for (let seq = 0; ; seq++) {
    const r = await client.query<{ data: Buffer }>(
      `select data from recon_file_chunk where file_id = $1 and seq = $2`,
      [fileId, seq],
    );
    const data = r.rows[0]?.data;
    if (data === undefined) return;
    yield data;
  }
}

/** COPY text format: backslash, tab, newline and carriage return escaped; NULL is `\N`. */
function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/** The provider's status text, normalised: SUCCESS | PROCESSING | CLOSED | ABNORMAL | as given. */
export function normaliseStatus(line: StatementLine): string {
  switch (line.providerStatus) {
    case '交易':
    case '退款':
    case 'SUCCESS':
      return 'SUCCESS';
    case 'REFUNDCLOSE':
    case 'CLOSED':
      return 'CLOSED';
    case 'CHANGE':
    case 'ABNORMAL':
      return 'ABNORMAL';
    default:
      return line.providerStatus.slice(0, 16);
  }
}

function copyRow(fileId: string, l: StatementLine): string {
  return [
    fileId,
    String(l.sourceLine),
    l.kind,
    copyText(l.outTradeNo.slice(0, 64)),
    copyText(l.providerTransactionId.slice(0, 64)),
    copyText(l.refundId?.slice(0, 64) ?? null),
    copyText(l.providerRefundId?.slice(0, 64) ?? null),
    l.amountMinor.toString(),
    copyText(l.currency.slice(0, 3)),
    l.fee.value.toString(),
    String(l.fee.scale),
    copyText(normaliseStatus(l)),
    l.occurredAt.toISOString(),
  ].join('\t');
}

export interface LoadedRows {
  readonly rows: number;
  readonly summaryPaymentMinor: bigint;
  readonly summaryRefundMinor: bigint;
}

/** Parses and COPYs the rows in one pass; a parse error aborts the COPY (and so the transaction). */
export async function loadRows(
  client: pg.Client,
  fileId: string,
  parse: StatementParse,
  onRows: (rows: number) => void,
): Promise<LoadedRows> {
  const copy = client.query(
    copyFrom(
      `copy recon_statement_row (file_id, line_no, kind, out_trade_no, transaction_id, refund_no, provider_refund_id,
         amount_minor, currency, fee_units, fee_scale, provider_status, occurred_at) from stdin`,
    ),
  );
  const done = once(copy, 'finish');
  done.catch(() => undefined);
  let batch: string[] = [];
  let batchSize = 0;
  let rows = 0;
  const write = async (): Promise<void> => {
    if (batch.length === 0) return;
    const ok = copy.write(`${batch.join('\n')}\n`);
    batch = [];
    batchSize = 0;
    onRows(rows);
    if (!ok) await once(copy, 'drain');
  };
  try {
    // Synchronous but for a full batch: no promise per line.
    const summary = await readStatement(parse, (line) => {
      const text = copyRow(fileId, line);
      batch.push(text);
      batchSize += text.length;
      rows++;
      return batchSize >= COPY_BATCH_BYTES ? write() : undefined;
    });
    await write();
    copy.end();
    await done;
    await client.query(
      `update recon_file set row_count = $2, summary_payment_minor = $3, summary_refund_minor = $4 where id = $1`,
      [fileId, rows, summary.paymentTotalMinor, summary.refundTotalMinor],
    );
    return {
      rows,
      summaryPaymentMinor: summary.paymentTotalMinor,
      summaryRefundMinor: summary.refundTotalMinor,
    };
  } catch (error) {
    copy.destroy(error as Error);
    await done.catch(() => undefined);
    throw error;
  }
}
