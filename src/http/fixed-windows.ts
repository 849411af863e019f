/** Where new keys are counted together once the table is full (an attacker rotating addresses). */
const OVERFLOW = '(overflow)';

interface Window {
  count: number;
  readonly endsAt: number;
}

/**
 * Fixed-window hit counters, one window per key opened by its first hit: one Map lookup per hit.
 * Memory is bounded: windows that ended are dropped by a sweep at most once per window length, and
 * past `maxKeys` live windows, new keys share one window (and so one budget).
 */
export class FixedWindows {
  private readonly windows = new Map<string, Window>();
  private nextSweepAt = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a hit on `key`: 0 while within `max` hits this window, else the whole seconds until it ends. */
  hit(key: string, max: number): number {
    const now = this.now();
    if (now >= this.nextSweepAt) this.sweep(now);
    const window = this.current(key, now) ?? this.current(OVERFLOW, now) ?? this.open(OVERFLOW, now);
    window.count += 1;
    return window.count <= max ? 0 : Math.max(1, Math.ceil((window.endsAt - now) / 1000));
  }

  get size(): number {
    return this.windows.size;
  }

  /** The key's window, opened if it has none (or it ended) and there is room. */
  private current(key: string, now: number): Window | undefined {
    const window = this.windows.get(key);
    if (window && window.endsAt > now) return window;
    if (!window && this.windows.size >= this.maxKeys) return undefined;
    return this.open(key, now);
  }

  private open(key: string, now: number): Window {
    const window = { count: 0, endsAt: now + this.windowMs };
    this.windows.set(key, window);
    return window;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
    this.nextSweepAt = now + this.windowMs;
  }
}
