import { describe, expect, it } from 'vitest';
import { statementName } from '../db/index.js';
import { HotStatements } from './hot-statements.js';

const FETCH = `
      WITH
      next AS ( SELECT j.id FROM pgboss.job_common j WHERE j.name = 'q' LIMIT 8 FOR UPDATE OF j SKIP LOCKED )
      UPDATE pgboss.job j SET state = 'active' FROM next WHERE j.id = next.id RETURNING j.id`;

describe('HotStatements', () => {
  const limits = { maxPrepared: 2, hotAfter: 3, maxCounted: 3 };

  it('prepares a parameterized statement from its third use on, under a name fixed by its text', () => {
    const hot = new HotStatements(limits);
    const text = 'select * from pgboss.job where id = $1';
    expect([1, 2, 3, 4].map(() => hot.nameFor(text, ['x']))).toEqual([
      undefined,
      undefined,
      statementName(text),
      statementName(text),
    ]);
  });

  it("prepares pg-boss's literal fetch, but never other statements without parameters", () => {
    const hot = new HotStatements(limits);
    for (let i = 0; i < 5; i++) {
      expect(hot.nameFor('BEGIN', undefined)).toBeUndefined();
      expect(hot.nameFor('select 1; select 2', [])).toBeUndefined();
    }
    expect([1, 2, 3].map(() => hot.nameFor(FETCH, []))).toEqual([undefined, undefined, statementName(FETCH)]);
    expect(hot.preparedTexts()).toEqual([FETCH]);
  });

  it('stays bounded: no more prepared texts than maxPrepared, no more counted than maxCounted', () => {
    const hot = new HotStatements(limits);
    const use = (text: string, times: number) =>
      Array.from({ length: times }, () => hot.nameFor(text, [1])).at(-1);
    expect(use('select $1::int + 1', 3)).toBeDefined();
    expect(use('select $1::int + 2', 3)).toBeDefined();
    expect(use('select $1::int + 3', 10)).toBeUndefined();
    expect(hot.preparedTexts()).toHaveLength(2);

    const counted = new HotStatements({ maxPrepared: 10, hotAfter: 2, maxCounted: 1 });
    counted.nameFor('select $1::int + 4', [1]);
    // The counter is full: a new text is not counted, so it is never prepared.
    expect([1, 2, 3].map(() => counted.nameFor('select $1::int + 5', [1]))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(counted.nameFor('select $1::int + 4', [1])).toBeDefined();
  });
});
