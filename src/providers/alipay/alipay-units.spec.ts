import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { beijingDayStart, formatYuan, parseBeijingTime, parseYuan } from './alipay-units.js';

describe('Alipay yuan strings ↔ bigint fen (never a float)', () => {
  it.each([
    ['12.30', 1_230n],
    ['12.3', 1_230n],
    ['45', 4_500n],
    ['0.01', 1n],
    ['-0.01', -1n],
    [' 8.88 ', 888n],
    ['999999999999999.99', 99_999_999_999_999_999n],
  ])('parses %j as %s fen', (text, fen) => expect(parseYuan(text)).toBe(fen));

  it.each(['', '1.234', '1,00', '+1.00', '1e3', '.5', '0x10', 'NaN', '1.'])('refuses %j', (text) =>
    expect(parseYuan(text)).toBeNull(),
  );

  it.each([
    [1_230n, '12.30'],
    [5n, '0.05'],
    [0n, '0.00'],
    [-1n, '-0.01'],
    [-1_000n, '-10.00'],
  ])('formats %s fen as %j', (fen, text) => expect(formatYuan(fen)).toBe(text));

  it('round-trips every amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 17n) + 1n, max: 10n ** 17n - 1n }), (fen) => {
        expect(parseYuan(formatYuan(fen))).toBe(fen);
      }),
    );
  });
});

describe('Beijing time strings', () => {
  it.each([
    ['2026-11-22 12:00:00', '2026-11-22T04:00:00.000Z'],
    ['2026-11-22 00:00:00.5', '2026-11-21T16:00:00.500Z'],
    ['2026-01-01 07:59:59.999', '2025-12-31T23:59:59.999Z'],
  ])('reads %j as %s', (text, iso) => expect(parseBeijingTime(text)?.toISOString()).toBe(iso));

  it.each(['2026-11-22T12:00:00', '2026-11-22', '22/11/2026 12:00:00', ''])('refuses %j', (text) =>
    expect(parseBeijingTime(text)).toBeNull(),
  );

  it('starts a Beijing day at 16:00 UTC the day before', () => {
    expect(beijingDayStart('2026-11-22').toISOString()).toBe('2026-11-21T16:00:00.000Z');
  });
});
