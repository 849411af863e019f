import { allocate, dinero, toSnapshot, type Dinero } from 'dinero.js/bigint';
import { currencyOf, minorDigits, type CurrencyCode } from './currency.js';
import { MoneyError } from './money.errors.js';

/** An amount in minor units (fen for CNY) of one currency. Never a float. */
export interface Money {
  readonly amountMinor: bigint;
  readonly currency: CurrencyCode;
}

/** PostgreSQL int8 bounds: every amount must fit the columns that store it. */
export const INT8_MAX = 9_223_372_036_854_775_807n;
export const INT8_MIN = -9_223_372_036_854_775_808n;

/** What a parsed or constructed amount may be. Most inputs (refunds, payments) must be positive. */
export type Sign = 'positive' | 'nonNegative' | 'any';

export function money(amountMinor: bigint, currency: CurrencyCode): Money {
  currencyOf(currency);
  return { amountMinor: inRange(amountMinor), currency };
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
/** Longer than any int8 amount; refuses pathological strings before BigInt sees them. */
const MAX_INPUT_LENGTH = 40;

/**
 * Parses a decimal string ("12.30") into minor units. Refuses more fraction digits than the currency
 * has (even trailing zeros: "12.300" CNY, "5.0" JPY), exponents, separators, signs other than a
 * leading "-", and values outside int8.
 */
export function parseMoney(input: string, currency: CurrencyCode, sign: Sign = 'positive'): Money {
  const digits = minorDigits(currency);
  const match = input.length <= MAX_INPUT_LENGTH ? DECIMAL.exec(input) : null;
  if (match === null) {
    throw new MoneyError('INVALID_AMOUNT', `${JSON.stringify(input.slice(0, 48))} is not a decimal amount`);
  }
  const [, minus = '', whole = '', fraction = ''] = match;
  if (fraction.length > digits) {
    throw new MoneyError('TOO_MANY_DECIMALS', `${currency} amounts have at most ${digits} decimal places`, {
      currency,
      maxDecimals: digits,
    });
  }
  const magnitude = BigInt(whole + fraction.padEnd(digits, '0'));
  const amountMinor = minus === '-' ? -magnitude : magnitude;
  return { amountMinor: checkSign(inRange(amountMinor), sign), currency };
}

/** Plain decimal string with exactly the currency's digits: "12.30", "-0.05", "1200" (JPY), "1.234" (KWD). */
export function formatMoney(value: Money): string {
  const digits = minorDigits(value.currency);
  const negative = value.amountMinor < 0n;
  const magnitude = (negative ? -value.amountMinor : value.amountMinor).toString().padStart(digits + 1, '0');
  const whole = magnitude.slice(0, magnitude.length - digits);
  const fraction = digits === 0 ? '' : `.${magnitude.slice(magnitude.length - digits)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** Localised display ("¥12.30", "CN¥12.30"). Intl formats the decimal string exactly, without a float. */
export function formatMoneyDisplay(value: Money, locale = 'zh-CN'): string {
  const digits = minorDigits(value.currency);
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: value.currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  // The string overload keeps full precision (ECMA-402 "exact decimal" input); the type lags behind.
  return format.format(formatMoney(value) as unknown as number);
}

export function toDinero(value: Money): Dinero<bigint> {
  return dinero({ amount: value.amountMinor, currency: currencyOf(value.currency) });
}

export function fromDinero(value: Dinero<bigint>): Money {
  const { amount, currency, scale } = toSnapshot(value);
  if (scale !== currency.exponent) {
    throw new MoneyError(
      'INVALID_AMOUNT',
      `amount has scale ${scale}, ${currency.code} has ${currency.exponent}`,
    );
  }
  return money(amount, currency.code);
}

export function addMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amountMinor: inRange(a.amountMinor + b.amountMinor), currency: a.currency };
}

export function subtractMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amountMinor: inRange(a.amountMinor - b.amountMinor), currency: a.currency };
}

export function sumMoney(values: readonly Money[], currency: CurrencyCode): Money {
  return values.reduce((total, value) => addMoney(total, value), money(0n, currency));
}

export function negateMoney(value: Money): Money {
  return { amountMinor: inRange(-value.amountMinor), currency: value.currency };
}

export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  sameCurrency(a, b);
  return a.amountMinor < b.amountMinor ? -1 : a.amountMinor > b.amountMinor ? 1 : 0;
}

export function moneyEquals(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.amountMinor === b.amountMinor;
}

/**
 * Splits an amount by ratios without losing or inventing a minor unit (dinero's largest-remainder
 * allocation): the parts always sum to the whole. Ratios are non-negative integers, not all zero.
 */
export function allocateMoney(value: Money, ratios: readonly (bigint | number)[]): Money[] {
  const parts = ratios.map((ratio) => (typeof ratio === 'bigint' ? ratio : toIntegerRatio(ratio)));
  if (parts.length === 0 || parts.some((r) => r < 0n) || parts.every((r) => r === 0n)) {
    throw new MoneyError('INVALID_ALLOCATION', 'ratios must be non-negative and not all zero');
  }
  return allocate(toDinero(value), parts).map(fromDinero);
}

function toIntegerRatio(ratio: number): bigint {
  if (!Number.isSafeInteger(ratio)) throw new MoneyError('INVALID_ALLOCATION', 'ratios must be integers');
  return BigInt(ratio);
}

function checkSign(amountMinor: bigint, sign: Sign): bigint {
  if (sign === 'positive' && amountMinor <= 0n) {
    throw new MoneyError('AMOUNT_NOT_POSITIVE', 'amount must be greater than zero');
  }
  if (sign === 'nonNegative' && amountMinor < 0n) {
    throw new MoneyError('AMOUNT_NEGATIVE', 'amount must not be negative');
  }
  return amountMinor;
}

function inRange(amountMinor: bigint): bigint {
  if (amountMinor > INT8_MAX || amountMinor < INT8_MIN) {
    throw new MoneyError('AMOUNT_OUT_OF_RANGE', 'amount does not fit a 64-bit integer of minor units');
  }
  return amountMinor;
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new MoneyError('CURRENCY_MISMATCH', `cannot combine ${a.currency} with ${b.currency}`);
  }
}

/** Asserts a sign on an existing amount (for values built in code rather than parsed). */
export function requireSign(value: Money, sign: Sign): Money {
  checkSign(value.amountMinor, sign);
  return value;
}
