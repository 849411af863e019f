import { useState } from 'preact/hooks';
import { gql, type ApiError } from '../api.js';
import { useI18n } from '../i18n.js';
import { href, navigate, type Route } from '../router.js';
import {
  asApiError,
  ErrorNote,
  Head,
  Loading,
  LoadMore,
  Time,
  usePaged,
  Value,
  type Connection,
} from '../ui.js';

interface OpsException {
  readonly id: string;
  readonly kind: string;
  readonly severity: string;
  readonly channel: string | null;
  readonly referenceType: string;
  readonly referenceId: string;
  readonly reason: string;
  readonly figures: readonly { field: string; ours: string | null; theirs: string | null }[];
  readonly createdAt: string;
  readonly resolved: boolean;
  readonly resolution: string | null;
  readonly resolvedBy: string | null;
  readonly resolvedAt: string | null;
}

const PAGE = `query($filter: OpsExceptionFilter, $after: String) {
  opsExceptions(first: 50, after: $after, filter: $filter) {
    edges { node { id kind severity channel referenceType referenceId reason figures { field ours theirs }
      createdAt resolved resolution resolvedBy resolvedAt } }
    pageInfo { endCursor hasNextPage }
  }
}`;

export function ExceptionsPage({ route }: { route: Route }) {
  const { t } = useI18n();
  const state = route.params.get('state') ?? 'open';
  const severity = route.params.get('severity') ?? '';
  const filter = { resolved: state === 'all' ? null : state === 'resolved', severity: severity || null };
  const page = usePaged(
    async (after) =>
      (await gql<{ opsExceptions: Connection<OpsException> }>(PAGE, { filter, after })).opsExceptions,
    [state, severity],
  );
  const rows = page.rows;
  const go = (params: Record<string, string>) => navigate(['exceptions'], { state, severity, ...params });
  return (
    <>
      <h1>{t('exceptions.title')}</h1>
      <div class="filters">
        <label class="inline">
          {t('common.status')}
          <select value={state} onChange={(e) => go({ state: e.currentTarget.value })}>
            <option value="open">{t('exceptions.open')}</option>
            <option value="resolved">{t('exceptions.resolved')}</option>
            <option value="all">{t('common.all')}</option>
          </select>
        </label>
        <label class="inline">
          {t('exceptions.severity')}
          <select value={severity} onChange={(e) => go({ severity: e.currentTarget.value })}>
            <option value="">{t('common.all')}</option>
            {['HIGH', 'MEDIUM', 'LOW'].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Loading when={page.loading} />
      <ErrorNote error={page.error} />
      {page.data && rows.length === 0 && <p class="empty">{t('common.none')}</p>}
      <ul class="exceptions">
        {rows.map((x) => (
          <ExceptionItem key={x.id} exception={x} resolved={page.reload} />
        ))}
      </ul>
      <LoadMore onClick={page.loadMore} />
    </>
  );
}

function ExceptionItem({ exception: x, resolved }: { exception: OpsException; resolved: () => void }) {
  const { t } = useI18n();
  const [note, setNote] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const resolve = async () => {
    try {
      await gql(
        `mutation($id: ID!, $r: String!) { resolveOpsException(id: $id, resolution: $r) { id resolved } }`,
        {
          id: x.id,
          r: note.trim(),
        },
      );
      resolved();
    } catch (e) {
      setError(asApiError(e));
    }
  };
  const titleId = `exception-${x.id}`;
  return (
    <li class={`card severity-${x.severity.toLowerCase()}`} aria-labelledby={titleId}>
      <h2 id={titleId}>
        <Value value={x.severity} /> {x.kind} · <Value value={x.channel} />
      </h2>
      <p>{x.reason}</p>
      <p class="meta">
        {t('exceptions.reference')}: {x.referenceType}{' '}
        {x.referenceType === 'refund' || x.referenceType === 'order' ? (
          <a href={href(['refunds'], { q: x.referenceId })}>
            <code>{x.referenceId}</code>
          </a>
        ) : (
          <code>{x.referenceId}</code>
        )}{' '}
        · <Time iso={x.createdAt} />
      </p>
      {x.figures.length > 0 && (
        <table>
          <caption>{t('exceptions.figures')}</caption>
          <Head columns={[t('exceptions.field'), t('exceptions.ours'), t('exceptions.theirs')]} />
          <tbody>
            {x.figures.map((f) => (
              <tr key={f.field}>
                <td>{f.field}</td>
                <td>
                  <code>{f.ours ?? '—'}</code>
                </td>
                <td>
                  <code>{f.theirs ?? '—'}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {x.resolved ? (
        <p class="resolved">
          {t('exceptions.resolvedBy')} <code>{x.resolvedBy}</code> · <Time iso={x.resolvedAt} />:{' '}
          {x.resolution}
        </p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void resolve();
          }}
        >
          <ErrorNote error={error} />
          <label>
            {t('exceptions.resolution')}
            <textarea rows={2} value={note} required onInput={(e) => setNote(e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={!note.trim()}>
            {t('exceptions.resolve')}
          </button>
        </form>
      )}
    </li>
  );
}
