/**
 * At most `perSecond` calls start in any sliding second: the start times of the last `perSecond`
 * calls are kept, and a call waits until the oldest of them is a second old. Callers take turns in
 * arrival order; a call that waits holds nothing but its own place in line.
 */
export class RateLimiter {
  private readonly starts: number[];
  private next = 0;
  private line: Promise<void> = Promise.resolve();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.starts = Array.from({ length: perSecond }, () => Number.NEGATIVE_INFINITY);
  }

  /** Resolves when the caller may start its call. */
  acquire(): Promise<void> {
    const turn = this.line.then(() => this.waitTurn());
    this.line = turn;
    return turn;
  }

  private async waitTurn(): Promise<void> {
    for (;;) {
      const waitMs = this.starts[this.next]! + 1_000 - this.now();
      if (waitMs <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(waitMs)));
    }
    this.starts[this.next] = this.now();
    this.next = (this.next + 1) % this.perSecond;
  }
}
