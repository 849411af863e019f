import * as iso4217 from 'dinero.js/bigint/currencies';
import type { DineroCurrency } from 'dinero.js/bigint';
import { MoneyError } from './money.errors.js';

/** An ISO 4217 alphabetic code (`CNY`, `JPY`, `KWD`, …). Validated by `currencyOf`. */
export type CurrencyCode = string;

export type Currency = DineroCurrency<bigint>;

const BY_CODE: ReadonlyMap<string, Currency> = new Map(
  Object.values(iso4217 as Record<string, Currency>).map((c) => [c.code, c]),
);

/** The currency for an ISO code; UNKNOWN_CURRENCY otherwise. Every ISO currency is decimal (base 10). */
export function currencyOf(code: string): Currency {
  const currency = BY_CODE.get(code);
  if (currency === undefined || currency.base !== 10n) {
    throw new MoneyError(
      'UNKNOWN_CURRENCY',
      `${JSON.stringify(code.slice(0, 8))} is not a supported ISO 4217 currency`,
      {
        currency: code.slice(0, 8),
      },
    );
  }
  return currency;
}

export function isCurrencyCode(code: string): boolean {
  return BY_CODE.has(code);
}

/** Digits after the decimal point: CNY 2, JPY 0, KWD 3. */
export function minorDigits(code: CurrencyCode): number {
  return Number(currencyOf(code).exponent);
}
