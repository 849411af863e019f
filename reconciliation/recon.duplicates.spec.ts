import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuplicateCandidates } from './recon.duplicates.js';

const candidatesOf = (rows: readonly (readonly [string, string])[]): number[] => {
  const d = new DuplicateCandidates();
  rows.forEach(([kind, key], i) => d.add(kind, key, i + 2));
  return d.lines();
};

describe('duplicate candidates', () => {
  it.each<[string, [string, string][], number[]]>([
    [
      'no repeated key',
      [
        ['PAYMENT', 'A'],
        ['PAYMENT', 'B'],
        ['REFUND', 'C'],
      ],
      [],
    ],
    [
      'a key twice',
      [
        ['PAYMENT', 'A'],
        ['PAYMENT', 'B'],
        ['PAYMENT', 'A'],
      ],
      [2, 4],
    ],
    [
      'a key three times',
      [
        ['REFUND', 'R'],
        ['REFUND', 'R'],
        ['PAYMENT', 'X'],
        ['REFUND', 'R'],
      ],
      [2, 3, 5],
    ],
    [
      'the same key as a payment and as a refund',
      [
        ['PAYMENT', 'A'],
        ['REFUND', 'A'],
      ],
      [],
    ],
  ])('%s', (_name, rows, expected) => {
    expect(candidatesOf(rows)).toEqual(expected);
  });

  it('holds every repeated key, and few others, past many growths of its table', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('PAYMENT', 'REFUND'), fc.integer({ min: 0, max: 30_000 })), {
          minLength: 1,
          maxLength: 20_000,
        }),
        (generated) => {
          const rows = generated.map(([kind, n]) => [kind, `B${String(n).padStart(12, '0')}`] as const);
          const candidates = new Set(candidatesOf(rows));
          const seen = new Map<string, number>();
          const repeated = new Set<number>();
          rows.forEach(([kind, key], i) => {
            const first = seen.get(`${kind}:${key}`);
            if (first === undefined) seen.set(`${kind}:${key}`, i + 2);
            else repeated.add(first).add(i + 2);
          });
          for (const line of repeated) expect(candidates.has(line)).toBe(true);
          // 32-bit hashes: collisions among 20,000 keys are rare.
          expect(candidates.size - repeated.size).toBeLessThanOrEqual(4);
        },
      ),
      { numRuns: 30 },
    );
  });
});
