import { useState } from 'preact/hooks';
import { download, type ApiError } from '../api.js';
import { useI18n } from '../i18n.js';
import { navigate, type Route } from '../router.js';
import { asApiError, ErrorNote, Loading, LoadMore, useAsync, usePaged } from '../ui.js';
import { RECON_API } from './recon.api.js';
import { ItemFilterBar, ItemTable, type ItemFilters, type Resolution } from './recon-items.js';
import { RunFigures } from './recon-report.js';
import { RunList } from './recon-runs.js';
import type { Discrepancy } from './recon.model.js';

export function ReconPage({ route }: { route: Route }) {
  const id = route.segments[1];
  return id ? <RunPage id={id} route={route} /> : <RunsPage />;
}

function RunsPage() {
  const { t } = useI18n();
  const runs = useAsync(() => RECON_API.runs(), []);
  return (
    <>
      <h1>{t('recon.title')}</h1>
      <Loading when={runs.loading} />
      <ErrorNote error={runs.error} />
      {runs.data && <RunList runs={runs.data} />}
    </>
  );
}

function RunPage({ id, route }: { id: string; route: Route }) {
  const { t } = useI18n();
  const filters: ItemFilters = {
    category: route.params.get('category') ?? '',
    status: route.params.get('status') ?? 'OPEN',
    age: route.params.get('age') ?? '',
  };
  const run = useAsync(() => RECON_API.run(id), [id]);
  const items = usePaged<Discrepancy>(
    (after) => RECON_API.items(id, filters, after),
    [id, filters.category, filters.status, filters.age],
  );
  const resolve = async (itemId: string, resolution: Resolution) => {
    await RECON_API.resolve(itemId, resolution);
    run.reload();
    items.reload();
  };
  const report = run.data;
  const [downloadError, setDownloadError] = useState<ApiError | undefined>();
  const csv = () => {
    setDownloadError(undefined);
    const name = `reconciliation-${report?.provider ?? ''}-${report?.billDate ?? id}.csv`;
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
      <Loading when={run.loading} />
      <ErrorNote error={run.error ?? items.error ?? downloadError} />
      {report && <RunFigures run={report} />}
      <h2>{t('recon.discrepancies')}</h2>
      <ItemFilterBar filters={filters} change={(f) => navigate(['recon', id], { ...filters, ...f })} />
      <ItemTable items={items.rows} resolve={resolve} />
      <LoadMore onClick={items.loadMore} />
    </>
  );
}
