import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  csvLines,
  decimalOrNull,
  decimalUnitsAt,
  isTrimmed,
  shanghaiTimeAt,
  shanghaiTimeOrNull,
} from './statement-csv.js';

/** The in-place readers agree with the string ones they stand in for, on any text around them. */
describe('statement-csv readers in place', () => {
  const decimalText = fc.oneof(
    fc.stringMatching(/^-?\d{1,18}(\.\d{0,8})?$/),
    fc.string({ unit: fc.constantFrom('0', '1', '9', '.', '-', '+', ' ', 'e', '٣', '０') }),
  );

  it('decimalUnitsAt: the number decimalOrNull gives, or NaN (then the bigint path decides)', () => {
    fc.assert(
      fc.property(
        fc.string(),
        decimalText,
        fc.string(),
        fc.integer({ min: 0, max: 6 }),
        (pre, text, post, scale) => {
          const units = decimalUnitsAt(pre + text + post, pre.length, pre.length + text.length, scale);
          const big = decimalOrNull(text, scale);
          if (Number.isNaN(units)) {
            // Only where a number could not hold it exactly is a valid decimal left to the bigint path.
            if (big !== null)
              expect(text.replace(/^-/, '').split('.')[0]!.length + scale).toBeGreaterThan(15);
          } else expect(BigInt(units)).toBe(big);
        },
      ),
      { numRuns: 20_000 },
    );
    expect(decimalUnitsAt('x`45.10`', 2, 7, 2)).toBe(4510);
    expect(decimalUnitsAt('-0.02000', 0, 8, 5)).toBe(-2000);
    for (const bad of ['45.', '.5', '', '-', '1.234', '1,0', '+1'])
      expect(decimalUnitsAt(bad, 0, bad.length, 2)).toBeNaN();
  });

  it('shanghaiTimeAt: the instant shanghaiTimeOrNull gives', () => {
    const digit = fc.constantFrom('0', '1', '2', '3', '5', '9', 'x', '-', ':', ' ');
    const time = fc.oneof(
      fc
        .date({ min: new Date('1970-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })
        .map((d) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ')),
      fc.string({ unit: digit, minLength: 17, maxLength: 21 }),
      fc.constantFrom('2024-13-40 25:61:61', '2024-02-30 00:00:00', '２０２４-05-01 12:00:03'),
    );
    fc.assert(
      fc.property(fc.string(), time, fc.string(), (pre, text, post) => {
        const at = shanghaiTimeAt(pre + text + post, pre.length, pre.length + text.length);
        expect(at?.getTime()).toEqual(shanghaiTimeOrNull(text)?.getTime());
      }),
      { numRuns: 20_000 },
    );
  });

  it('isTrimmed: exactly what String#trim removes', () => {
    for (let c = 0; c <= 0xffff; c++) {
      const s = `a${String.fromCharCode(c)}`;
      expect(isTrimmed(c), `U+${c.toString(16)}`).toBe(s.trim() === 'a');
    }
  });

  it('csvLines: the cells and line numbers of splitting each line, across any chunking', async () => {
    const text = '\uFEFFa,b,,c\r\n\n`x`,1.00,\t\r\nlast,no newline';
    for (const size of [1, 2, 3, 5, 64]) {
      const bytes = Buffer.from(text, 'utf8');
      const chunks = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const seen: [number, string[], string[]][] = [];
      for await (const lines of csvLines(chunks, 'test'))
        while (lines.next()) {
          const byBounds = Array.from({ length: lines.count + 1 }, (_, i) =>
            lines.text.slice(lines.start(i), lines.end(i)),
          );
          seen.push([lines.line, lines.cells(), byBounds]);
        }
      expect(seen).toEqual([
        [1, ['a', 'b', '', 'c'], ['a', 'b', '', 'c', '']],
        [3, ['`x`', '1.00', '\t'], ['`x`', '1.00', '\t', '']],
        [4, ['last', 'no newline'], ['last', 'no newline', '']],
      ]);
    }
  });
});
