import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IsoTimes } from './recon.store.js';

describe('IsoTimes', () => {
  it('formats as Date#toISOString, in any order of instants', () => {
    fc.assert(
      fc.property(
        fc.array(fc.date({ min: new Date('0001-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }), {
          minLength: 1,
          maxLength: 50,
        }),
        (dates) => {
          const times = new IsoTimes();
          for (const d of dates) expect(times.format(d)).toBe(d.toISOString());
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
