import { useState } from 'preact/hooks';
import { download, type ApiError } from '../api.js';
import { useI18n } from '../i18n.js';
import { href, navigate, type Route } from '../router.js';
import { asApiError, ErrorNote, Loading, LoadMore, useAsync, usePaged } from '../ui.js';
import { ANY_STATUS, ItemFilterBar, ItemTable, type ItemFilters, type Resolution } from './recon-items.js';
import { RunFigures } from './recon-report.js';
import { RunList, Trend } from './recon-runs.js';
import { RECON_API } from './recon.api.js';
import { PROVIDERS, type Discrepancy, type RunSummary } from './recon.model.js';

/** `#/recon`: the runs and the trend; `#/recon/<runId>`: one run's report and its discrepancies. */
export function ReconPage({ route }: { route: Route }) {
  const id = route.segments[1];
  return id ? <RunPage id={id} route={route} /> : <RunsPage />;
}

function RunsPage() {
  const { t } = useI18n();
  const runs = usePaged<RunSummary>((after) => RECON_API.runs(after), []);
  // The trend ends at the newest bill date reconciled (a run made today for today included).
  const newest = runs.data?.edges[0]?.node.billDate;
  const loaded = runs.data !== undefined;
  const trend = useAsync(
    async () => (loaded ? Promise.all(PROVIDERS.map((p) => RECON_API.trend(p, newest))) : undefined),
    [loaded, newest],
  );
  return (
    <>
      <h1>{t('recon.title')}</h1>
      <p class="no-print">
        <a href={href(['discrepancies'])}>{t('recon.allDiscrepancies')}</a>
      </p>
      <Loading when={runs.loading || trend.loading} />
      <ErrorNote error={runs.error ?? trend.error} />
      {trend.data && <Trend days={trend.data} />}
      {runs.data && <RunList runs={runs.rows} />}
      <LoadMore onClick={runs.loadMore} />
    </>
  );
}

function filtersOf(route: Route, status: string): ItemFilters {
  return {
    category: route.params.get('category') ?? '',
    status: route.params.get('status') ?? status,
    age: route.params.get('age') ?? '',
    provider: route.params.get('provider') ?? '',
  };
}

/** The filtered list with its resolve forms; `resolved` runs after each resolution. */
function Discrepancies({
  runId,
  route,
  resolved,
}: {
  runId: string | undefined;
  route: Route;
  resolved: () => void;
}) {
  const filters = filtersOf(route, runId ? ANY_STATUS : 'OPEN');
  const items = usePaged<Discrepancy>(
    (after) => RECON_API.items(filters, runId, after),
    [runId, filters.category, filters.status, filters.age, filters.provider],
  );
  const resolve = async (itemId: string, resolution: Resolution) => {
    await RECON_API.resolve(itemId, resolution);
    resolved();
    items.reload();
  };
  return (
    <>
      <ItemFilterBar
        filters={filters}
        byProvider={!runId}
        change={(f) => navigate(route.segments, { ...filters, ...f })}
      />
      <Loading when={items.loading} />
      <ErrorNote error={items.error} />
      <ItemTable items={items.rows} resolve={resolve} withRun={!runId} />
      <LoadMore onClick={items.loadMore} />
    </>
  );
}

/** `#/discrepancies`: open discrepancies of every current run, filtered. */
export function DiscrepanciesPage({ route }: { route: Route }) {
  const { t } = useI18n();
  return (
    <>
      <h1>{t('recon.discrepancyList')}</h1>
      <Discrepancies runId={undefined} route={route} resolved={() => undefined} />
    </>
  );
}

function RunPage({ id, route }: { id: string; route: Route }) {
  const { t } = useI18n();
  const loaded = useAsync(() => RECON_API.run(id), [id]);
  const [downloadError, setDownloadError] = useState<ApiError | undefined>();
  const run = loaded.data?.run;
  const csv = () => {
    setDownloadError(undefined);
    const name = `reconciliation-${run?.provider ?? ''}-${run?.billDate ?? id}.csv`;
    download(RECON_API.csvPath(id), name).catch((e: unknown) => setDownloadError(asApiError(e)));
  };
  return (
    <>
      <h1>{t('recon.report')}</h1>
      <div class="actions no-print">
        <button type="button" onClick={csv}>
          {t('recon.csv')}
        </button>
        <button type="button" onClick={() => print()}>
          {t('recon.print')}
        </button>
      </div>
      <Loading when={loaded.loading} />
      <ErrorNote error={loaded.error ?? downloadError} />
      {loaded.data === null && <p class="empty">{t('recon.notFound')}</p>}
      {loaded.data && <RunFigures run={loaded.data.run} aging={loaded.data.aging} />}
      <h2>{t('recon.discrepancies')}</h2>
      <Discrepancies runId={id} route={route} resolved={loaded.reload} />
    </>
  );
}
