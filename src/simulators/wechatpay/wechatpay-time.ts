/** WeChat formats everything in Beijing time (UTC+8, no DST), whatever the host TZ is. */

const OFFSET_MS = 8 * 3600_000;

function shifted(d: Date): string {
  return new Date(d.getTime() + OFFSET_MS).toISOString();
}

/** RFC 3339 with +08:00, e.g. `2024-05-02T10:15:21+08:00` (API and notify fields). */
export function rfc3339Shanghai(d: Date): string {
  return `${shifted(d).slice(0, 19)}+08:00`;
}

/** `yyyy-MM-dd HH:mm:ss` in Beijing time (bill rows). */
export function billTimeShanghai(d: Date): string {
  return shifted(d).slice(0, 19).replace('T', ' ');
}

/** The Asia/Shanghai calendar date `yyyy-MM-dd` of an instant. */
export function shanghaiDate(d: Date): string {
  return shifted(d).slice(0, 10);
}

/** The instant of `hh:mm` Beijing time on `date` + `plusDays`. */
export function shanghaiInstant(date: string, hour: number, minute: number, plusDays = 0): Date {
  const base = Date.parse(`${date}T00:00:00+08:00`);
  return new Date(base + plusDays * 86_400_000 + (hour * 60 + minute) * 60_000);
}

export function isBillDate(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00+08:00`));
}
