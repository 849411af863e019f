import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';
import { formatMoney, formatTime } from './format.js';
import { useI18n, valueLabel } from './i18n.js';

export interface MoneyShape {
  readonly minor: string;
  readonly currency: string;
}

export interface AsyncState<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  readonly reload: () => void;
}

/** Loads on mount and whenever `deps` change; the last request wins. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState({ error: asApiError(error), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError('NETWORK', String(error));
}

export function Money({ value }: { value: MoneyShape }) {
  return <span class="money">{formatMoney(value.minor, value.currency)}</span>;
}

export function Time({ iso }: { iso: string | null | undefined }) {
  return iso ? <time dateTime={iso}>{formatTime(iso)}</time> : <span>—</span>;
}

export function Value({ value }: { value: string | null | undefined }) {
  const { lang } = useI18n();
  return <span class={`value value-${(value ?? 'none').toLowerCase()}`}>{valueLabel(lang, value)}</span>;
}

export function ErrorNote({ error }: { error: ApiError | undefined }) {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {t('common.error')}: <code>{error.code}</code> {error.message}
    </p>
  );
}

export function Loading({ when }: { when: boolean }) {
  const { t } = useI18n();
  return when ? (
    <p class="loading" role="status">
      {t('common.loading')}
    </p>
  ) : null;
}

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** A table's header row; `#` before a label right-aligns the column (amounts). */
export function Head({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) =>
          c.startsWith('#') ? (
            <th key={c} scope="col" class="num">
              {c.slice(1)}
            </th>
          ) : (
            <th key={c} scope="col">
              {c}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}

export interface Connection<T> {
  readonly edges: readonly { readonly node: T }[];
  readonly pageInfo: { readonly endCursor: string | null; readonly hasNextPage: boolean };
}

/** A Relay connection read page by page: the first page on load, the next ones on demand. */
export function usePaged<T>(
  load: (after: string | null) => Promise<Connection<T>>,
  deps: readonly unknown[],
): AsyncState<Connection<T>> & { readonly rows: readonly T[]; readonly loadMore: (() => void) | undefined } {
  const [more, setMore] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const next = (page: Connection<T>) => setCursor(page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null);
  const first = useAsync(async () => {
    const page = await load(null);
    setMore([]);
    next(page);
    return page;
  }, deps);
  const loadMore = async () => {
    const page = await load(cursor);
    setMore((rows) => [...rows, ...page.edges.map((e) => e.node)]);
    next(page);
  };
  const rows = [...(first.data?.edges.map((e) => e.node) ?? []), ...more];
  return { ...first, rows, loadMore: cursor ? () => void loadMore() : undefined };
}

export function LoadMore({ onClick }: { onClick: (() => void) | undefined }) {
  const { t } = useI18n();
  return onClick ? (
    <button type="button" onClick={onClick}>
      {t('common.loadMore')}
    </button>
  ) : null;
}
