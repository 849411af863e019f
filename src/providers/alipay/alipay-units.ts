/**
 * Alipay wire units, converted only inside the adapter: yuan strings ("12.30") ↔ bigint fen by string
 * manipulation (never floats), and Beijing-time strings ↔ Date.
 */

const BEIJING_OFFSET_MS = 8 * 3600_000;

/** "12.30" → 1230n, "-0.01" → -1n, "45" → 4500n; null when not a plain 2-decimal amount. */
export function parseYuan(text: string): bigint | null {
  const m = /^(-)?(\d{1,15})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  const minor = BigInt(m[2] ?? '0') * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -minor : minor;
}

export function formatYuan(minor: bigint): string {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  return `${negative ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** `yyyy-MM-dd HH:mm:ss[.SSS]` in Beijing time → Date; null when malformed. */
export function parseBeijingTime(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(text.trim());
  if (!m) return null;
  const n = (i: number): number => Number(m[i] ?? '0');
  const ms = Number((m[7] ?? '0').padEnd(3, '0'));
  const utc = Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6), ms) - BEIJING_OFFSET_MS;
  const date = new Date(utc);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Instant at which a Beijing calendar day (`yyyy-MM-dd`) starts. */
export function beijingDayStart(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00+08:00`));
}
