/**
 * Reconciliation's writes of statement files, on the run's own connection and inside its transaction:
 * the raw bytes in 1 MiB chunks keyed by SHA-256 (the same file twice is the same row: a no-op), and
 * the parsed rows COPYed into the run's staging table as the parser yields them, the file's figures
 * summed on the way. Nothing is held whole.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { newId, quoteIdent } from '../src/db/index.js';
import {
  readStatement,
  type ByteSource,
  type StatementFormat,
  type StatementLine,
  type StatementParse,
} from '../src/providers/index.js';
import { feeMinor } from './recon.classify.js';
import { DuplicateCandidates } from './recon.duplicates.js';
import type { ReconProvider } from './recon.model.js';

const CHUNK_BYTES = 1 << 20;
/** Rows are handed to the COPY stream in batches of about this many characters. */
const COPY_BATCH_CHARS = 1 << 17;

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

const ESCAPED = /[\\\t\n\r]/;

/** COPY text format: backslash, tab, newline and carriage return escaped; NULL is `\N`. */
function copyText(value: string | null): string {
  if (value === null) return '\\N';
  // Testing first is several times cheaper than a replace that finds nothing (ids, nearly always).
  if (!ESCAPED.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

const DAY_MS = 86_400_000;
const digits = (n: number, width: number): string[] =>
  Array.from({ length: n }, (_, i) => String(i).padStart(width, '0'));
const TWO_DIGITS = digits(100, 2);
const THREE_DIGITS = digits(1000, 3);

/**
 * `Date#toISOString` for the staged times, the date part made once per day: the built-in took more
 * than a microsecond a call, a second and a half of a million-row load.
 */
export class IsoTimes {
  private day = Number.NaN;
  private prefix = '';

  format(date: Date): string {
    const t = date.getTime();
    const day = Math.floor(t / DAY_MS);
    if (day !== this.day) {
      const iso = date.toISOString();
      this.day = day;
      this.prefix = iso.slice(0, iso.indexOf('T') + 1);
    }
    let ms = t - day * DAY_MS;
    const hours = Math.floor(ms / 3_600_000);
    ms -= hours * 3_600_000;
    const minutes = Math.floor(ms / 60_000);
    ms -= minutes * 60_000;
    const seconds = Math.floor(ms / 1000);
    ms -= seconds * 1000;
    return `${this.prefix}${TWO_DIGITS[hours]!}:${TWO_DIGITS[minutes]!}:${TWO_DIGITS[seconds]!}.${THREE_DIGITS[ms]!}Z`;
  }
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

/**
 * The run's statement rows go to a temporary table of the run's own, dropped with its transaction (so
 * no other session sees it, a rollback takes it too, and the runtime role needs no CREATE on a
 * schema). The raw file is what is kept (`recon_file_chunk`); its rows are derived data that every run
 * parses again: no WAL, no index, no file key. Widths as `recon_item` stores them.
 */
export const stagingTable = (runId: string): string => quoteIdent(`recon_rows_${runId}`);

const stagingDdl = (table: string): string => `create temporary table ${table} (
  line_no int not null,
  kind varchar(8) not null,
  match_key varchar(64) not null,
  out_trade_no varchar(64) not null,
  transaction_id varchar(64) not null,
  refund_no varchar(64),
  provider_refund_id varchar(64),
  amount_minor bigint not null,
  currency varchar(3) not null,
  fee_minor bigint not null,
  provider_status varchar(16) not null,
  occurred_at timestamptz not null
) on commit drop`;

/** The file's own figures, over all its rows (fees in minor units as `feeMinor` rounds them). */
export interface StatementFigures {
  rows: number;
  paymentCount: number;
  paymentMinor: bigint;
  refundCount: number;
  refundMinor: bigint;
  feeMinor: bigint;
}

export const noFigures = (): StatementFigures => ({
  rows: 0,
  paymentCount: 0,
  paymentMinor: 0n,
  refundCount: 0,
  refundMinor: 0n,
  feeMinor: 0n,
});

/** Creates the (empty) staging table; a run without a statement matches the ledger against it. */
export async function createStaging(client: pg.Client, table: string): Promise<void> {
  await client.query(stagingDdl(table));
}

/** Drops it before the run commits: nothing of it outlives the run. */
export async function dropStaging(client: pg.Client, table: string): Promise<void> {
  await client.query(`drop table ${table}`);
}

export interface LoadedRows {
  readonly figures: StatementFigures;
  /** Lines that may repeat an earlier line's key (`DuplicateCandidates`), ascending. */
  readonly duplicateCandidates: readonly number[];
  readonly summaryPaymentMinor: bigint;
  readonly summaryRefundMinor: bigint;
}

/**
 * Parses the file and COPYs its rows into the run's staging table in one pass, summing its figures; a parse
 * error aborts the COPY (and so the transaction).
 */
export async function loadRows(
  client: pg.Client,
  table: string,
  provider: ReconProvider,
  parse: StatementParse,
  onRows: (rows: number) => void,
): Promise<LoadedRows> {
  const copy = client.query(
    copyFrom(
      `copy ${table} (line_no, kind, match_key, out_trade_no, transaction_id, refund_no, provider_refund_id,
         amount_minor, currency, fee_minor, provider_status, occurred_at) from stdin`,
    ),
  );
  const done = once(copy, 'finish');
  done.catch(() => undefined);
  const figures = noFigures();
  const duplicates = new DuplicateCandidates();
  const negatedFee = provider === 'alipay';
  const times = new IsoTimes();
  let batch = '';
  const write = async (): Promise<void> => {
    if (batch.length === 0) return;
    const ok = copy.write(batch);
    batch = '';
    onRows(figures.rows);
    if (!ok) await once(copy, 'drain');
  };
  try {
    // Synchronous but for a full batch: no promise per line.
    const summary = await readStatement(parse, (line) => {
      const fee = feeMinor(negatedFee, line.fee.value, line.fee.scale);
      figures.rows++;
      figures.feeMinor += fee;
      if (line.kind === 'PAYMENT') {
        figures.paymentCount++;
        figures.paymentMinor += line.amountMinor;
      } else {
        figures.refundCount++;
        figures.refundMinor += line.amountMinor;
      }
      const key = matchKeyOf(line);
      duplicates.add(line.kind, key, line.sourceLine);
      batch += copyRow(line, key, fee, times);
      return batch.length >= COPY_BATCH_CHARS ? write() : undefined;
    });
    await write();
    copy.end();
    await done;
    return {
      figures,
      duplicateCandidates: duplicates.lines(),
      summaryPaymentMinor: summary.paymentTotalMinor,
      summaryRefundMinor: summary.refundTotalMinor,
    };
  } catch (error) {
    copy.destroy(error as Error);
    await done.catch(() => undefined);
    throw error;
  }
}

/** Our id at the provider: the refund number, else out_trade_no (as the row is staged). */
const matchKeyOf = (l: StatementLine): string => (l.refundId ?? l.outTradeNo).slice(0, 64);

/** One line of COPY text (a payment's match key is its out_trade_no: escaped once). */
function copyRow(l: StatementLine, matchKey: string, fee: bigint, times: IsoTimes): string {
  const outTradeNo = copyText(l.outTradeNo.slice(0, 64));
  const key = l.refundId === null ? outTradeNo : copyText(matchKey);
  const refundNo = l.refundId === null ? '\\N' : copyText(l.refundId.slice(0, 64));
  const transactionId = copyText(l.providerTransactionId.slice(0, 64));
  const providerRefundId = l.providerRefundId === null ? '\\N' : copyText(l.providerRefundId.slice(0, 64));
  const currency = copyText(l.currency.slice(0, 3));
  const status = copyText(normaliseStatus(l));
  return `${l.sourceLine}\t${l.kind}\t${key}\t${outTradeNo}\t${transactionId}\t${refundNo}\t${providerRefundId}\t${l.amountMinor}\t${currency}\t${fee}\t${status}\t${times.format(l.occurredAt)}\n`;
}

/** Records the file's row count and its own summary, the first time it is loaded. */
export async function recordFileRows(client: pg.Client, fileId: string, loaded: LoadedRows): Promise<void> {
  await client.query(
    `update recon_file set row_count = $2, summary_payment_minor = $3, summary_refund_minor = $4 where id = $1`,
    [fileId, loaded.figures.rows, loaded.summaryPaymentMinor, loaded.summaryRefundMinor],
  );
}
