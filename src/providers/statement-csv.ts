/**
 * Shared by both bill parsers: records of a statement CSV read as a stream, never the whole file in
 * memory. Statements are never quoted (PROTOCOLS A4.4, B3.3): a record is a line, its cells what lies
 * between commas, quotes are data. So lines are split here rather than by a CSV library (csv-parse
 * took 4× as long as loading the rows into PostgreSQL: docs/performance.md). Rows may carry more
 * columns than the header (providers add columns over time); BOM and CRLF/LF are both accepted.
 * Header names are compared after NFKC normalisation, so full-width `（元）` and half-width `(元)` are
 * the same column.
 */
import { StatementFormatError } from './payment-provider.js';

/** Bytes as they arrive (a file or HTTP stream, or a buffer in an array). */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface CsvRecord {
  readonly cells: readonly string[];
  /** 1-based line number in the decoded file. */
  readonly line: number;
}

/** The records of a statement, in batches: those complete in each chunk of input (none for some). */
export async function* csvRecords(
  source: ByteSource | AsyncIterable<string>,
  what: string,
): AsyncGenerator<CsvRecord[]> {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  let line = 0;
  let first = true;
  /** The complete lines of `text` as records (empty lines counted, not returned); keeps the tail. */
  function records(text: string, final: boolean): CsvRecord[] {
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const batch: CsvRecord[] = [];
    let at = 0;
    for (;;) {
      let end = text.indexOf('\n', at);
      if (end < 0) {
        if (!final || at >= text.length) break;
        end = text.length;
      }
      const next = end + 1;
      if (end > at && text.charCodeAt(end - 1) === 0x0d) end--;
      line++;
      if (end > at) batch.push({ cells: text.slice(at, end).split(','), line });
      at = next;
    }
    rest = text.slice(at);
    return batch;
  }
  try {
    for await (const chunk of source) {
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      yield records(rest + text, false);
    }
    yield records(rest + decoder.decode(), true);
  } catch (err) {
    if (err instanceof StatementFormatError) throw err;
    throw new StatementFormatError(`${what}: unreadable (${(err as Error).message})`, null);
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

const DECIMAL = /^(-?)(\d+)(?:\.(?=\d)(\d*?)0*)?$/;

/** Decimal text → integer units of 10^-scale; `45`, `45.0`, `-0.02000`; more decimals are refused. */
export function decimalOrNull(text: string, scale: number): bigint | null {
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const frac = m[3] ?? '';
  if (frac.length > scale) return null;
  // One conversion of the digits, the fraction padded to the scale: 12.5 at scale 2 → 1250.
  const v = BigInt(m[2]! + frac.padEnd(scale, '0'));
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
