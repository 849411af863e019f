/** Digits after the decimal point per ISO 4217 currency; the API only sends currencies it knows. */
const MINOR_DIGITS: Readonly<Record<string, number>> = { CNY: 2, HKD: 2, USD: 2, EUR: 2, JPY: 0 };
const SYMBOLS: Readonly<Record<string, string>> = { CNY: '¥', USD: '$', EUR: '€', JPY: '¥' };
const INTEGER = /^-?\d+$/;

/**
 * `"123450"` CNY → `¥1,234.50`: from the API's minor-unit string with string and bigint arithmetic
 * only, so no amount ever passes through a float.
 */
export function formatMoney(minor: string, currency: string): string {
  if (!INTEGER.test(minor)) throw new Error(`not an amount in minor units: ${minor}`);
  const digits = MINOR_DIGITS[currency] ?? 2;
  let value = BigInt(minor);
  const negative = value < 0n;
  if (negative) value = -value;
  const padded = value.toString().padStart(digits + 1, '0');
  const whole = padded.slice(0, padded.length - digits).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = digits > 0 ? `.${padded.slice(padded.length - digits)}` : '';
  const symbol = SYMBOLS[currency] ?? `${currency} `;
  return `${negative ? '-' : ''}${symbol}${whole}${fraction}`;
}

/** Sums minor-unit strings exactly. */
export function sumMinor(values: readonly string[]): string {
  return values.reduce((total, v) => total + BigInt(v), 0n).toString();
}

const SHANGHAI = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** An instant as `2026-12-01 22:05:09` in Asia/Shanghai, the business time zone, whatever the browser's. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const part = Object.fromEntries(SHANGHAI.formatToParts(date).map((p) => [p.type, p.value]));
  return `${part['year']}-${part['month']}-${part['day']} ${part['hour']}:${part['minute']}:${part['second']}`;
}

/** The Asia/Shanghai calendar date of an instant, `2026-12-01`. */
export function shanghaiDate(iso: string): string {
  return formatTime(iso).slice(0, 10);
}
