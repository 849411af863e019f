/**
 * Shared by both bill parsers: records of a statement CSV read as a stream (csv-parse), never the
 * whole file in memory. Statements are never quoted (PROTOCOLS A4.4, B3.3), so quotes are data; rows
 * may carry more columns than the header (providers add columns over time); BOM and CRLF/LF are both
 * accepted. Header names are compared after NFKC normalisation, so full-width `（元）` and half-width
 * `(元)` are the same column.
 */
import { pipeline, Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { StatementFormatError } from './payment-provider.js';

/** Bytes as they arrive (a file or HTTP stream, or a buffer in an array). */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface CsvRecord {
  readonly cells: readonly string[];
  /** 1-based line number in the decoded file. */
  readonly line: number;
}

export async function* csvRecords(
  source: ByteSource | AsyncIterable<string>,
  what: string,
): AsyncGenerator<CsvRecord> {
  const parser = parse({
    bom: true,
    quote: false,
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
  });
  // pipeline: a failing source (bad gzip, truncated zip) destroys the parser, so the loop throws.
  const records = pipeline(Readable.from(source, { objectMode: false }), parser, () => undefined);
  try {
    for await (const r of records as AsyncIterable<{ record: string[]; info: { lines: number } }>)
      yield { cells: r.record, line: r.info.lines };
  } catch (err) {
    if (err instanceof StatementFormatError) throw err;
    throw new StatementFormatError(`${what}: unreadable (${(err as Error).message})`, null);
  } finally {
    records.destroy();
  }
}

/** Header name as compared: NFKC (full-width punctuation → half-width), trimmed. */
export const headerName = (cell: string): string => cell.normalize('NFKC').trim();

/** Column lookup by (normalised) header name. */
export class Columns {
  private readonly index = new Map<string, number>();
  constructor(
    header: readonly string[],
    private readonly what: string,
  ) {
    header.forEach((name, i) => {
      const key = headerName(name);
      if (!this.index.has(key)) this.index.set(key, i);
    });
  }
  has(name: string): boolean {
    return this.index.has(headerName(name));
  }
  /** Index of a required column; a missing one means the file is not the format we know. */
  at(name: string): number {
    const i = this.index.get(headerName(name));
    if (i === undefined) throw new StatementFormatError(`${this.what} lacks column ${name}`, null);
    return i;
  }
  optional(name: string): number | null {
    return this.index.get(headerName(name)) ?? null;
  }
}

/** Decimal text → integer units of 10^-scale; `45`, `45.0`, `-0.02000`; more decimals are refused. */
export function decimalOrNull(text: string, scale: number): bigint | null {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (frac.length > scale) return null;
  const v = BigInt(m[2] ?? '0') * 10n ** BigInt(scale) + BigInt(frac.padEnd(scale, '0') || '0');
  return m[1] === '-' ? -v : v;
}

/** `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai (UTC+8, no DST) → Date; null when malformed. */
export function shanghaiTimeOrNull(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const n = (i: number): number => Number(m[i]);
  const d = new Date(Date.UTC(n(1), n(2) - 1, n(3), n(4) - 8, n(5), n(6)));
  return Number.isNaN(d.getTime()) ? null : d;
}
