import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.js';

/** A commit the test releases by hand, recording the batches it was given. */
function gate<I>() {
  const batches: I[][] = [];
  const open: (() => void)[] = [];
  const commit = (items: readonly I[]): Promise<string[]> => {
    batches.push([...items]);
    return new Promise((resolve) => open.push(() => resolve(items.map((i) => `ok:${String(i)}`))));
  };
  const release = async (): Promise<void> => {
    open.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { batches, commit, release };
}

describe('Batcher (group commit)', () => {
  it('sends a lone item at once, alone: no timer', async () => {
    const g = gate<number>();
    const batcher = new Batcher(g.commit, { maxBatch: 64, inFlight: 1 });
    const result = batcher.submit(1);
    expect(g.batches).toEqual([[1]]);
    await g.release();
    await expect(result).resolves.toBe('ok:1');
  });

  it('groups what arrives while a batch is in flight, in arrival order, up to maxBatch', async () => {
    const g = gate<number>();
    const batcher = new Batcher(g.commit, { maxBatch: 3, inFlight: 1 });
    const results = [1, 2, 3, 4, 5, 6].map((i) => batcher.submit(i));
    expect(g.batches).toEqual([[1]]);
    await g.release();
    expect(g.batches).toEqual([[1], [2, 3, 4]]);
    await g.release();
    expect(g.batches).toEqual([[1], [2, 3, 4], [5, 6]]);
    await g.release();
    await expect(Promise.all(results)).resolves.toEqual([1, 2, 3, 4, 5, 6].map((i) => `ok:${i}`));
  });

  it('keeps at most inFlight batches committing', async () => {
    const g = gate<number>();
    const batcher = new Batcher(g.commit, { maxBatch: 2, inFlight: 2 });
    const results = [1, 2, 3, 4, 5].map((i) => batcher.submit(i));
    expect(g.batches).toEqual([[1], [2]]);
    await g.release();
    expect(g.batches).toEqual([[1], [2], [3, 4]]);
    for (let i = 0; i < 3; i++) await g.release();
    await expect(Promise.all(results)).resolves.toHaveLength(5);
  });

  it('fails every item of a batch whose commit fails, and goes on with the next', async () => {
    let calls = 0;
    const batcher = new Batcher<number, number>(
      async (items) => {
        calls += 1;
        if (calls === 1) throw new Error('deadlock');
        return items.map((i) => i * 10);
      },
      { maxBatch: 8, inFlight: 1 },
    );
    const first = batcher.submit(1);
    const later = [2, 3].map((i) => batcher.submit(i));
    await expect(first).rejects.toThrow('deadlock');
    await expect(Promise.all(later)).resolves.toEqual([20, 30]);
  });

  it('with sameTurn, sends what arrived in one turn of the event loop together, even with slots free', async () => {
    const g = gate<number>();
    const batcher = new Batcher(g.commit, { maxBatch: 64, inFlight: 4, sameTurn: true });
    const first = [1, 2, 3].map((i) => batcher.submit(i));
    expect(g.batches).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(g.batches).toEqual([[1, 2, 3]]);
    const next = batcher.submit(4);
    await new Promise((r) => setImmediate(r));
    expect(g.batches).toEqual([[1, 2, 3], [4]]);
    await g.release();
    await g.release();
    await expect(Promise.all([...first, next])).resolves.toEqual([1, 2, 3, 4].map((i) => `ok:${i}`));
  });

  it('refuses an answer for a different number of items', async () => {
    const batcher = new Batcher<number, number>(async () => [1, 2], { maxBatch: 8, inFlight: 1 });
    await expect(batcher.submit(1)).rejects.toThrow('a batch answered for a different count');
  });
});
