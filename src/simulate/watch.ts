/** Bounded awaits. Debug aid: with SIMULATE_WATCH=1, awaits wrapped in `watched` that stay pending are printed every 5 s. */
const pending = new Map<number, { label: string; since: number }>();
let next = 0;
let timer: NodeJS.Timeout | undefined;

export async function watched<T>(label: string, promise: Promise<T>): Promise<T> {
  if (process.env['SIMULATE_WATCH'] === undefined) return promise;
  timer ??= setInterval(() => {
    const now = Date.now();
    const slow = [...pending.values()].filter((p) => now - p.since > 3_000);
    if (slow.length > 0)
      process.stderr.write(
        `WATCH pending: ${slow.map((p) => `${p.label} ${((now - p.since) / 1000).toFixed(0)}s`).join(' | ')}\n`,
      );
  }, 5_000).unref();
  const id = next++;
  pending.set(id, { label, since: Date.now() });
  try {
    return await promise;
  } finally {
    pending.delete(id);
  }
}

/** Whether `promise` settled (either way) within `ms`; it is not waited for after that. */
export async function settlesWithin(ms: number, promise: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(ms, 0)))),
  ]);
  clearTimeout(timer);
  return settled;
}
