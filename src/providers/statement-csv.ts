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

/**
 * The lines of a block of decoded text one at a time, each line's cells located but not cut out, so a
 * parser slices only the cells it reads (a bill row has 27, a parser needs about half): one object
 * reused for every line of the file, no string or array per cell. `next()` moves to the next non-empty
 * line (empty lines are counted, so line numbers stay those of the file).
 */
export class CsvLines {
  /** The decoded text the current line lies in. */
  text = '';
  /** 1-based line number of the current line in the decoded file. */
  line = 0;
  /** How many cells the current line has. */
  count = 0;
  /** Cell i spans [bounds[i], bounds[i + 1] - 1): each cell's start, then the line's end + 1. */
  private bounds = new Int32Array(64);
  private at = 0;
  private final = false;

  /** Starts on a block of whole lines (`final`: the last block, whose last line may lack its newline). */
  reset(text: string, final: boolean): void {
    this.text = text;
    this.at = 0;
    this.final = final;
  }

  next(): boolean {
    const text = this.text;
    for (;;) {
      const at = this.at;
      let end = text.indexOf('\n', at);
      if (end < 0) {
        if (!this.final || at >= text.length) return false;
        end = text.length;
      }
      this.at = end + 1;
      if (end > at && text.charCodeAt(end - 1) === 0x0d) end--;
      this.line++;
      if (end > at) {
        this.locate(at, end);
        return true;
      }
    }
  }

  private locate(start: number, end: number): void {
    let n = 0;
    this.bounds[n++] = start;
    for (let comma = this.text.indexOf(',', start); comma >= 0 && comma < end;) {
      if (n + 1 >= this.bounds.length) {
        const wider = new Int32Array(this.bounds.length * 2);
        wider.set(this.bounds);
        this.bounds = wider;
      }
      this.bounds[n++] = comma + 1;
      comma = this.text.indexOf(',', comma + 1);
    }
    this.bounds[n] = end + 1;
    this.count = n;
  }

  /** Where cell i starts in `text` (an absent cell is empty). */
  start(i: number): number {
    return i < this.count ? this.bounds[i]! : 0;
  }

  /** Where cell i ends in `text` (exclusive). */
  end(i: number): number {
    return i < this.count ? this.bounds[i + 1]! - 1 : 0;
  }

  /** Every cell of the current line, as strings. */
  cells(): string[] {
    return this.text.slice(this.bounds[0], this.bounds[this.count]! - 1).split(',');
  }
}

/**
 * The lines of a statement as they stream in: one `CsvLines` per input chunk, over the whole lines that
 * chunk completes (a line cut across chunks waits for its end), then one over the rest. A BOM is dropped.
 */
export async function* csvLines(
  source: ByteSource | AsyncIterable<string>,
  what: string,
): AsyncGenerator<CsvLines> {
  const decoder = new TextDecoder('utf-8');
  const lines = new CsvLines();
  let rest = '';
  let first = true;
  const block = (text: string, final: boolean): CsvLines => {
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const cut = final ? text.length : text.lastIndexOf('\n') + 1;
    rest = text.slice(cut);
    lines.reset(cut === text.length ? text : text.slice(0, cut), final);
    return lines;
  };
  try {
    for await (const chunk of source) {
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      yield block(rest + text, false);
    }
    yield block(rest + decoder.decode(), true);
  } catch (err) {
    if (err instanceof StatementFormatError) throw err;
    throw new StatementFormatError(`${what}: unreadable (${(err as Error).message})`, null);
  }
}

/** The records of a statement, in batches: those complete in each chunk of input (none for some). */
export async function* csvRecords(
  source: ByteSource | AsyncIterable<string>,
  what: string,
): AsyncGenerator<CsvRecord[]> {
  for await (const lines of csvLines(source, what)) {
    const batch: CsvRecord[] = [];
    while (lines.next()) batch.push({ cells: lines.cells(), line: lines.line });
    yield batch;
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

/** Decimals whose digits fit 15 places are read as numbers (exact below 2^53); 10^n for the scales. */
const SAFE_DIGITS = 15;
const POWERS = Array.from({ length: SAFE_DIGITS + 1 }, (_, n) => 10 ** n);

/**
 * `decimalOrNull(text.slice(from, to), scale)` as a number, read in place: integer units of 10^-scale,
 * or NaN when the text is not a plain decimal, has more decimals than the scale, or more digits than a
 * number holds exactly (the caller then takes the bigint path, which decides). No string, no regex.
 */
export function decimalUnitsAt(text: string, from: number, to: number, scale: number): number {
  let i = from;
  const negative = i < to && text.charCodeAt(i) === 0x2d;
  if (negative) i++;
  const intFrom = i;
  let v = 0;
  for (; i < to; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
  }
  const intDigits = i - intFrom;
  if (intDigits === 0 || intDigits + scale > SAFE_DIGITS) return NaN;
  let places = 0;
  if (i < to) {
    if (text.charCodeAt(i) !== 0x2e || i + 1 === to) return NaN;
    // The decimals up to the last one that is not 0 (trailing zeros are not precision).
    let last = i;
    for (let j = i + 1; j < to; j++) {
      const d = text.charCodeAt(j) - 0x30;
      if (d < 0 || d > 9) return NaN;
      if (d !== 0) last = j;
    }
    places = last - i;
    if (places > scale) return NaN;
    for (let j = i + 1; j <= last; j++) v = v * 10 + (text.charCodeAt(j) - 0x30);
  }
  v *= POWERS[scale - places]!;
  return negative ? -v : v;
}

/** `shanghaiTimeOrNull(text.slice(from, to))`, read in place. */
export function shanghaiTimeAt(text: string, from: number, to: number): Date | null {
  if (to - from !== 19) return null;
  const n = (at: number, digits: number): number => {
    let v = 0;
    for (let i = from + at; i < from + at + digits; i++) {
      const d = text.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) return NaN;
      v = v * 10 + d;
    }
    return v;
  };
  if (
    text.charCodeAt(from + 4) !== 0x2d ||
    text.charCodeAt(from + 7) !== 0x2d ||
    text.charCodeAt(from + 10) !== 0x20 ||
    text.charCodeAt(from + 13) !== 0x3a ||
    text.charCodeAt(from + 16) !== 0x3a
  )
    return null;
  const d = new Date(Date.UTC(n(0, 4), n(5, 2) - 1, n(8, 2), n(11, 2) - 8, n(14, 2), n(17, 2)));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Whether `String.prototype.trim` removes this character (white space and line terminators). */
export function isTrimmed(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai (UTC+8, no DST) → Date; null when malformed. */
export function shanghaiTimeOrNull(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const n = (i: number): number => Number(m[i]);
  const d = new Date(Date.UTC(n(1), n(2) - 1, n(3), n(4) - 8, n(5), n(6)));
  return Number.isNaN(d.getTime()) ? null : d;
}
