/**
 * Wire-level helpers for the Alipay simulator: yuan strings, Beijing-time strings and RSA2 signing.
 * Money is bigint fen everywhere inside the simulator; yuan strings exist only on the wire and in bills.
 */
import { createSign, createVerify } from 'node:crypto';
import { privateKeyOf, publicKeyOf } from '../shared/index.js';

const BEIJING_OFFSET_MS = 8 * 3600_000;

export function fenToYuan(fen: bigint): string {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  return `${negative ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** Exact parse of a yuan string ("8.88", "10", "0.5") into fen; null when it is not a plain amount. */
export function yuanToFen(yuan: string): bigint | null {
  const m = /^(-)?(\d{1,15})(?:\.(\d{1,2}))?$/.exec(yuan.trim());
  if (!m) return null;
  const fen = BigInt(m[2] ?? '0') * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -fen : fen;
}

interface BeijingParts {
  readonly y: string;
  readonly mo: string;
  readonly d: string;
  readonly h: string;
  readonly mi: string;
  readonly s: string;
  readonly ms: string;
}

function beijingParts(date: Date): BeijingParts {
  const b = new Date(date.getTime() + BEIJING_OFFSET_MS);
  const p = (n: number, w = 2): string => n.toString().padStart(w, '0');
  return {
    y: p(b.getUTCFullYear(), 4),
    mo: p(b.getUTCMonth() + 1),
    d: p(b.getUTCDate()),
    h: p(b.getUTCHours()),
    mi: p(b.getUTCMinutes()),
    s: p(b.getUTCSeconds()),
    ms: p(b.getUTCMilliseconds(), 3),
  };
}

/** `yyyy-MM-dd HH:mm:ss` in Beijing time (Alipay's format everywhere). */
export function beijingDateTime(date: Date): string {
  const p = beijingParts(date);
  return `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}:${p.s}`;
}

/** `yyyy-MM-dd HH:mm:ss.SSS`, as in the notify's gmt_refund. */
export function beijingDateTimeMs(date: Date): string {
  return `${beijingDateTime(date)}.${beijingParts(date).ms}`;
}

/** Business date (`yyyy-MM-dd`) of an instant in Asia/Shanghai. */
export function beijingDate(date: Date): string {
  const p = beijingParts(date);
  return `${p.y}-${p.mo}-${p.d}`;
}

/** `yyyy年MM月dd日 HH:mm:ss`, the bill header style. */
export function beijingChineseDateTime(date: Date): string {
  const p = beijingParts(date);
  return `${p.y}年${p.mo}月${p.d}日 ${p.h}:${p.mi}:${p.s}`;
}

/** Start of a Beijing calendar day `yyyy-MM-dd` as an instant. */
export function beijingDayStart(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00+08:00`));
}

export function addDays(day: string, n: number): string {
  return beijingDate(new Date(beijingDayStart(day).getTime() + n * 86_400_000));
}

/** Parse `yyyy-MM-dd HH:mm:ss` either as Beijing time or as this host's local time. */
export function parseAlipayTimestamp(text: string, zone: 'beijing' | 'local'): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date =
    zone === 'local'
      ? new Date(y, mo - 1, d, h, mi, s)
      : new Date(Date.UTC(y, mo - 1, d, h, mi, s) - BEIJING_OFFSET_MS);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The legacy string-to-sign: sorted `k=v` of non-empty params, raw values, joined by `&`. */
export function sortedParamString(
  params: Readonly<Record<string, string>>,
  exclude: readonly string[],
): string {
  return Object.keys(params)
    .filter((k) => !exclude.includes(k) && params[k] !== undefined && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export function rsa2Sign(content: string, privateKeyPem: string): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(privateKeyOf(privateKeyPem), 'base64');
}

export function rsa2Verify(content: string, signature: string, publicKeyPem: string): boolean {
  try {
    return createVerify('RSA-SHA256')
      .update(content, 'utf8')
      .verify(publicKeyOf(publicKeyPem), signature, 'base64');
  } catch {
    return false;
  }
}

/** Alipay serialises compactly and escapes `/` as `\/` (configurable: the SDK copes with both). */
export function serializeNode(node: unknown, escapeSlashes: boolean): string {
  const text = JSON.stringify(node);
  return escapeSlashes ? text.replaceAll('/', '\\/') : text;
}
