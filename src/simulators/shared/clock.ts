/**
 * A movable simulated clock. Business time in the simulators (refund create/success times, bill dates,
 * refund spacing, the 1-year window, auto-completion) reads this clock, so tests can jump to "T+1 10:00"
 * without waiting. Signature windows deliberately use real wall time instead: they are about the
 * client's own clock, which a test cannot move.
 */

export interface SimClock {
  now(): Date;
  /** Move simulated time forward (negative moves it back). Fires timers that became due. */
  advance(ms: number): void;
  /** Jump to an absolute instant. Fires timers that became due. */
  set(date: Date): void;
  /** Run `fn` once simulated time reaches `at`. Returns a cancel function. */
  at(at: Date, fn: () => void): () => void;
  /** Cancel every pending timer (used on close). */
  dispose(): void;
}

export interface SimClockOptions {
  /** Initial simulated instant (default: real now). */
  readonly start?: Date;
  /** When true, time only moves through advance()/set(). Default false: it flows with real time. */
  readonly frozen?: boolean;
}

interface Timer {
  readonly atMs: number;
  readonly fn: () => void;
  handle: NodeJS.Timeout | undefined;
  cancelled: boolean;
}

export function createSimClock(options: SimClockOptions = {}): SimClock {
  const frozen = options.frozen ?? false;
  let anchorSimMs = (options.start ?? new Date()).getTime();
  let anchorRealMs = Date.now();
  const timers = new Set<Timer>();

  const nowMs = (): number => (frozen ? anchorSimMs : anchorSimMs + (Date.now() - anchorRealMs));

  const arm = (timer: Timer): void => {
    if (timer.handle) clearTimeout(timer.handle);
    timer.handle = undefined;
    const delay = timer.atMs - nowMs();
    if (delay <= 0) {
      timers.delete(timer);
      // Asynchronous on purpose: a timer must never run inside the caller's advance()/set() stack.
      setImmediate(() => {
        if (!timer.cancelled) timer.fn();
      });
      return;
    }
    if (frozen) return;
    // setTimeout's max is ~24.8 days; re-arm in chunks so far-future timers stay correct.
    timer.handle = setTimeout(() => arm(timer), Math.min(delay, 2_000_000_000));
    timer.handle.unref();
  };

  const rearmAll = (): void => {
    for (const timer of [...timers]) arm(timer);
  };

  return {
    now: () => new Date(nowMs()),
    advance(ms) {
      anchorSimMs = nowMs() + ms;
      anchorRealMs = Date.now();
      rearmAll();
    },
    set(date) {
      anchorSimMs = date.getTime();
      anchorRealMs = Date.now();
      rearmAll();
    },
    at(at, fn) {
      const timer: Timer = { atMs: at.getTime(), fn, handle: undefined, cancelled: false };
      timers.add(timer);
      arm(timer);
      return () => {
        timer.cancelled = true;
        if (timer.handle) clearTimeout(timer.handle);
        timers.delete(timer);
      };
    },
    dispose() {
      for (const timer of timers) {
        timer.cancelled = true;
        if (timer.handle) clearTimeout(timer.handle);
      }
      timers.clear();
    },
  };
}
