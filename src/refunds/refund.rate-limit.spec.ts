import { describe, expect, it } from 'vitest';
import { RateLimiter } from './refund.rate-limit.js';

describe('RateLimiter', () => {
  it('starts at most perSecond calls in any second', async () => {
    const limiter = new RateLimiter(150);
    const starts: number[] = [];
    const began = performance.now();
    await Promise.all(
      Array.from({ length: 450 }, async () => {
        await limiter.acquire();
        starts.push(performance.now());
      }),
    );
    starts.sort((a, b) => a - b);
    // 450 calls at 150/s: 150 at once, 150 a second later, 150 two seconds later.
    expect(performance.now() - began).toBeGreaterThan(2_000);
    // The most starts within any one second, as the callers see them: a caller resumes after the
    // limiter granted its turn, late by however busy the event loop is, so allow two of slack.
    let most = 0;
    for (let i = 0, j = 0; i < starts.length; i++) {
      while (starts[i]! - starts[j]! >= 1_000) j++;
      most = Math.max(most, i - j + 1);
    }
    expect(most).toBeGreaterThanOrEqual(150);
    expect(most).toBeLessThanOrEqual(152);
  });
});
