/**
 * `load` run on the first call and shared by every later one: an adapter builds its provider's SDK
 * (a fifth of the service's bundle) on first use, so a start never loads it. A failed load is not
 * kept: the next call tries again.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}
