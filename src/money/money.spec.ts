import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  INT8_MAX,
  INT8_MIN,
  addMoney,
  allocateMoney,
  currencyOf,
  formatMoney,
  formatMoneyDisplay,
  money,
  parseMoney,
  MoneyError,
  type Sign,
} from './index.js';

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof MoneyError) return error.code;
    throw error;
  }
}

describe('parseMoney', () => {
  const accepted: [string, string, Sign, string][] = [
    ['12.30', 'CNY', 'positive', '1230'],
    ['12.3', 'CNY', 'positive', '1230'],
    ['12', 'CNY', 'positive', '1200'],
    ['0.01', 'CNY', 'positive', '1'],
    ['007.50', 'CNY', 'positive', '750'],
    ['0', 'CNY', 'nonNegative', '0'],
    ['0.00', 'CNY', 'nonNegative', '0'],
    ['-3.25', 'CNY', 'any', '-325'],
    ['1200', 'JPY', 'positive', '1200'],
    ['1.234', 'KWD', 'positive', '1234'],
    ['0.001', 'BHD', 'positive', '1'],
    ['5.5', 'BHD', 'positive', '5500'],
    ['9.99', 'USD', 'positive', '999'],
    ['92233720368547758.07', 'CNY', 'positive', INT8_MAX.toString()],
    ['-92233720368547758.08', 'CNY', 'any', INT8_MIN.toString()],
    ['9223372036854775807', 'JPY', 'positive', INT8_MAX.toString()],
  ];
  it.each(accepted)('%s %s (%s) → %s minor units', (input, currency, sign, minor) => {
    expect(parseMoney(input, currency, sign)).toEqual({ amountMinor: BigInt(minor), currency });
  });

  const refused: [string, string, Sign, string][] = [
    ['12.345', 'CNY', 'positive', 'TOO_MANY_DECIMALS'],
    ['12.300', 'CNY', 'positive', 'TOO_MANY_DECIMALS'],
    ['5.0', 'JPY', 'positive', 'TOO_MANY_DECIMALS'],
    ['1.5', 'JPY', 'positive', 'TOO_MANY_DECIMALS'],
    ['1.2345', 'KWD', 'positive', 'TOO_MANY_DECIMALS'],
    ['0.0001', 'BHD', 'positive', 'TOO_MANY_DECIMALS'],
    ['-1.00', 'CNY', 'positive', 'AMOUNT_NOT_POSITIVE'],
    ['-1.00', 'CNY', 'nonNegative', 'AMOUNT_NEGATIVE'],
    ['0', 'CNY', 'positive', 'AMOUNT_NOT_POSITIVE'],
    ['0.00', 'KWD', 'positive', 'AMOUNT_NOT_POSITIVE'],
    ['-0', 'CNY', 'positive', 'AMOUNT_NOT_POSITIVE'],
    ['92233720368547758.08', 'CNY', 'positive', 'AMOUNT_OUT_OF_RANGE'],
    ['-92233720368547758.09', 'CNY', 'any', 'AMOUNT_OUT_OF_RANGE'],
    ['9223372036854775808', 'JPY', 'positive', 'AMOUNT_OUT_OF_RANGE'],
    ['99999999999999999999999999999999', 'CNY', 'positive', 'AMOUNT_OUT_OF_RANGE'],
    ['1'.repeat(41), 'CNY', 'positive', 'INVALID_AMOUNT'],
    ['', 'CNY', 'positive', 'INVALID_AMOUNT'],
    ['abc', 'CNY', 'positive', 'INVALID_AMOUNT'],
    ['1e3', 'CNY', 'positive', 'INVALID_AMOUNT'],
    ['1,000.00', 'CNY', 'positive', 'INVALID_AMOUNT'],
    [' 1.00', 'CNY', 'positive', 'INVALID_AMOUNT'],
    ['+1.00', 'CNY', 'positive', 'INVALID_AMOUNT'],
    ['1.', 'CNY', 'positive', 'INVALID_AMOUNT'],
    ['.5', 'CNY', 'positive', 'INVALID_AMOUNT'],
    ['0x10', 'CNY', 'positive', 'INVALID_AMOUNT'],
    ['１２', 'CNY', 'positive', 'INVALID_AMOUNT'],
    ['NaN', 'CNY', 'positive', 'INVALID_AMOUNT'],
    ['Infinity', 'CNY', 'positive', 'INVALID_AMOUNT'],
    ['1.00', 'XYZ', 'positive', 'UNKNOWN_CURRENCY'],
    ['1.00', 'cny', 'positive', 'UNKNOWN_CURRENCY'],
  ];
  it.each(refused)('refuses %j %s (%s) with %s', (input, currency, sign, code) => {
    expect(errorCode(() => parseMoney(input, currency, sign))).toBe(code);
  });
});

describe('formatMoney', () => {
  const cases: [string, string, string][] = [
    ['1230', 'CNY', '12.30'],
    ['1', 'CNY', '0.01'],
    ['0', 'CNY', '0.00'],
    ['-5', 'CNY', '-0.05'],
    ['-12345', 'CNY', '-123.45'],
    ['1200', 'JPY', '1200'],
    ['-7', 'JPY', '-7'],
    ['1234', 'KWD', '1.234'],
    ['1', 'BHD', '0.001'],
    [INT8_MAX.toString(), 'CNY', '92233720368547758.07'],
    [INT8_MIN.toString(), 'CNY', '-92233720368547758.08'],
  ];
  it.each(cases)('%s %s → %s', (minor, currency, text) => {
    expect(formatMoney(money(BigInt(minor), currency))).toBe(text);
  });

  it('round-trips with parseMoney for every currency digit count', () => {
    fc.assert(
      fc.property(
        fc.bigInt(INT8_MIN, INT8_MAX),
        fc.constantFrom('CNY', 'JPY', 'KWD', 'BHD', 'USD'),
        (minor, c) => {
          const value = money(minor, c);
          expect(parseMoney(formatMoney(value), c, 'any')).toEqual(value);
        },
      ),
    );
  });

  it('formats for display without floating point loss', () => {
    expect(formatMoneyDisplay(money(1230n, 'CNY'))).toBe('¥12.30');
    expect(formatMoneyDisplay(money(INT8_MAX, 'CNY'))).toContain('92,233,720,368,547,758.07');
    expect(formatMoneyDisplay(money(1234n, 'KWD'), 'en-US')).toContain('1.234');
  });
});

describe('allocateMoney', () => {
  const cases: [string, string, number[], string[]][] = [
    ['100', 'CNY', [1, 1, 1], ['34', '33', '33']],
    ['1', 'CNY', [50, 50], ['1', '0']],
    ['1000', 'CNY', [70, 20, 10], ['700', '200', '100']],
    ['7', 'JPY', [1, 0, 1], ['4', '0', '3']],
    ['1001', 'KWD', [1, 1], ['501', '500']],
  ];
  it.each(cases)('%s %s by %j → %j', (minor, currency, ratios, parts) => {
    expect(
      allocateMoney(money(BigInt(minor), currency), ratios).map((m) => m.amountMinor.toString()),
    ).toEqual(parts);
  });

  it('never loses or invents a fen', () => {
    fc.assert(
      fc.property(
        fc.bigInt(0n, 10n ** 15n),
        fc
          .array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 12 })
          .filter((r) => r.some((x) => x > 0)),
        (minor, ratios) => {
          const parts = allocateMoney(money(minor, 'CNY'), ratios);
          expect(parts).toHaveLength(ratios.length);
          expect(parts.reduce((sum, part) => sum + part.amountMinor, 0n)).toBe(minor);
          parts.forEach((part, i) => {
            expect(part.amountMinor >= 0n).toBe(true);
            if (ratios[i] === 0) expect(part.amountMinor).toBe(0n);
          });
        },
      ),
    );
  });

  it('refuses empty, negative and all-zero ratios', () => {
    expect(errorCode(() => allocateMoney(money(100n, 'CNY'), []))).toBe('INVALID_ALLOCATION');
    expect(errorCode(() => allocateMoney(money(100n, 'CNY'), [0, 0]))).toBe('INVALID_ALLOCATION');
    expect(errorCode(() => allocateMoney(money(100n, 'CNY'), [-1, 2]))).toBe('INVALID_ALLOCATION');
    expect(errorCode(() => allocateMoney(money(100n, 'CNY'), [0.5, 2]))).toBe('INVALID_ALLOCATION');
  });
});

describe('arithmetic', () => {
  it('refuses to mix currencies or overflow int8', () => {
    expect(errorCode(() => addMoney(money(1n, 'CNY'), money(1n, 'USD')))).toBe('CURRENCY_MISMATCH');
    expect(errorCode(() => addMoney(money(INT8_MAX, 'CNY'), money(1n, 'CNY')))).toBe('AMOUNT_OUT_OF_RANGE');
    expect(errorCode(() => money(INT8_MAX + 1n, 'CNY'))).toBe('AMOUNT_OUT_OF_RANGE');
  });

  it('knows each currency’s digits', () => {
    expect([currencyOf('CNY'), currencyOf('JPY'), currencyOf('KWD')].map((c) => c.exponent)).toEqual([
      2n,
      0n,
      3n,
    ]);
  });
});
