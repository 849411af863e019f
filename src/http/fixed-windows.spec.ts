import { describe, expect, it } from 'vitest';
import { FixedWindows } from './fixed-windows.js';

describe('FixedWindows', () => {
  const clocked = (windowMs: number, maxKeys?: number) => {
    const clock = { now: 1_000_000 };
    return { clock, windows: new FixedWindows(windowMs, maxKeys, () => clock.now) };
  };

  it('allows max hits per key and window, then answers the whole seconds until the window ends', () => {
    const { clock, windows } = clocked(60_000);
    expect([1, 2, 3].map(() => windows.hit('a', 3))).toEqual([0, 0, 0]);
    expect(windows.hit('a', 3)).toBe(60);
    expect(windows.hit('b', 3)).toBe(0);
    clock.now += 59_001;
    expect(windows.hit('a', 3)).toBe(1);
    clock.now += 999; // the window opened by a's first hit has ended
    expect(windows.hit('a', 3)).toBe(0);
    clock.now += 500;
    expect(windows.hit('a', 3)).toBe(0);
  });

  it('drops ended windows at most once per window length, so memory follows live keys', () => {
    const { clock, windows } = clocked(1_000);
    for (let i = 0; i < 100; i++) windows.hit(`k${i}`, 1);
    expect(windows.size).toBe(100);
    clock.now += 1_000;
    windows.hit('x', 1);
    expect(windows.size).toBe(1);
  });

  it('past maxKeys live windows, new keys share one budget (addresses rotated by an attacker)', () => {
    const { windows } = clocked(60_000, 2);
    expect(windows.hit('a', 2)).toBe(0);
    expect(windows.hit('b', 2)).toBe(0);
    expect(windows.hit('c', 2)).toBe(0);
    expect(windows.hit('d', 2)).toBe(0);
    expect(windows.hit('e', 2)).toBe(60);
    expect(windows.hit('a', 2)).toBe(0);
    expect(windows.size).toBe(3);
  });
});
