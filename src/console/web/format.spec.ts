import { describe, expect, it } from 'vitest';
import { formatMoney, formatTime, shanghaiDate, sumMinor } from './format.js';

describe('formatMoney', () => {
  it.each([
    ['123450', 'CNY', '¥1,234.50'],
    ['0', 'CNY', '¥0.00'],
    ['5', 'CNY', '¥0.05'],
    ['-99', 'CNY', '-¥0.99'],
    ['100000000', 'CNY', '¥1,000,000.00'],
    // Past 2^53: a float would round this.
    ['90071992547409931', 'CNY', '¥900,719,925,474,099.31'],
    ['1234', 'JPY', '¥1,234'],
    ['1234', 'XTS', 'XTS 12.34'],
  ])('%s %s → %s', (minor, currency, shown) => {
    expect(formatMoney(minor, currency)).toBe(shown);
  });

  it('refuses anything but an integer string', () => {
    expect(() => formatMoney('12.30', 'CNY')).toThrow(/minor units/);
    expect(() => formatMoney('', 'CNY')).toThrow(/minor units/);
  });
});

describe('sumMinor', () => {
  it('adds exactly past 2^53', () => {
    expect(sumMinor(['9007199254740993', '1', '-4'])).toBe('9007199254740990');
  });
});

describe('Asia/Shanghai times', () => {
  it('shows UTC instants in Shanghai time (UTC+8, no DST)', () => {
    expect(formatTime('2026-11-30T16:00:00Z')).toBe('2026-12-01 00:00:00');
    expect(formatTime('2026-07-01T15:59:59.999Z')).toBe('2026-07-01 23:59:59');
    expect(shanghaiDate('2026-11-30T15:59:59Z')).toBe('2026-11-30');
    expect(formatTime(null)).toBe('—');
  });
});
