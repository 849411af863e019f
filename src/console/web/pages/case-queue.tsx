import { useState } from 'preact/hooks';
import { gql, type ApiError } from '../api.js';
import { useI18n, valueLabel } from '../i18n.js';
import { href, navigate, type Route } from '../router.js';
import {
  asApiError,
  ErrorNote,
  Head,
  Loading,
  LoadMore,
  Money,
  Time,
  useAsync,
  usePaged,
  Value,
  type Connection,
  type MoneyShape,
} from '../ui.js';

interface QueueCase {
  readonly id: string;
  readonly type: string;
  readonly severity: string | null;
  readonly status: string;
  readonly channel: string;
  readonly merchantId: string;
  readonly orderTotal: MoneyShape;
  readonly requestedRemedy: string;
  readonly requestedAmount: MoneyShape | null;
  readonly assigneeId: string | null;
  readonly createdAt: string;
}

const STATUSES = [
  'IN_REVIEW',
  'AWAITING_EVIDENCE',
  'AWAITING_CUSTOMER',
  'EXECUTING',
  'MANUAL_FOLLOW_UP',
  'RESOLVED',
] as const;
const TYPES = ['LATE', 'DAMAGED', 'MISSING_ITEM', 'WRONG_ITEM', 'NOT_DELIVERED', 'QUALITY', 'OTHER'] as const;
const SEVERITIES = ['MINOR', 'SEVERE'] as const;

const M = `{ minor currency }`;
const QUEUE = `query($filter: CaseQueueFilter, $sort: CaseQueueSort, $after: String) {
  caseQueue(filter: $filter, sort: $sort, first: 50, after: $after) {
    edges { node { id type severity status channel merchantId orderTotal ${M} requestedRemedy
      requestedAmount ${M} assigneeId createdAt } }
    pageInfo { endCursor hasNextPage } } }`;

interface QueueFilters {
  readonly status: string;
  readonly type: string;
  readonly severity: string;
  /** `mine`, `unassigned` or empty (everyone's). */
  readonly who: string;
  readonly sort: string;
}

function apiFilter(f: QueueFilters, subject: string): Record<string, unknown> {
  return {
    statuses: f.status ? [f.status] : undefined,
    type: f.type || undefined,
    severity: f.severity || undefined,
    assigneeId: f.who === 'mine' ? subject : f.who === 'unassigned' ? '' : undefined,
  };
}

/** The support queue: counts by status, filters in the URL, take or assign, each case a link. */
export function CaseQueue({ route, role, subject }: { route: Route; role: string; subject: string }) {
  const { t, lang } = useI18n();
  const filters: QueueFilters = {
    status: route.params.get('status') ?? '',
    type: route.params.get('type') ?? '',
    severity: route.params.get('severity') ?? '',
    who: route.params.get('who') ?? '',
    sort: route.params.get('sort') ?? 'OLDEST',
  };
  const deps = [filters.status, filters.type, filters.severity, filters.who, filters.sort];
  const change = (f: Partial<QueueFilters>) => navigate(['cases'], { ...filters, ...f });
  // Counts ignore the status filter: they are how the statuses compare.
  const counts = useAsync(
    () =>
      gql<{ caseQueueCounts: { status: string; count: number }[] }>(
        `query($filter: CaseQueueFilter) { caseQueueCounts(filter: $filter) { status count } }`,
        { filter: { ...apiFilter({ ...filters, status: '' }, subject), statuses: [...STATUSES] } },
      ),
    deps,
  );
  const cases = usePaged<QueueCase>(
    async (after) =>
      (
        await gql<{ caseQueue: Connection<QueueCase> }>(QUEUE, {
          filter: apiFilter(filters, subject),
          sort: filters.sort,
          after,
        })
      ).caseQueue,
    deps,
  );
  const changed = () => {
    counts.reload();
    cases.reload();
  };
  const select = (
    key: keyof QueueFilters,
    label: string,
    values: readonly string[],
    shown = (v: string) => valueLabel(lang, v),
  ) => (
    <label class="inline">
      {label}
      <select value={filters[key]} onChange={(e) => change({ [key]: e.currentTarget.value })}>
        {key !== 'sort' && <option value="">{key === 'status' ? t('cases.open') : t('common.all')}</option>}
        {values.map((v) => (
          <option key={v} value={v}>
            {shown(v)}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <section aria-labelledby="queue">
      <h2 id="queue">{t('cases.queue')}</h2>
      <ul class="counts" aria-label={t('cases.counts')}>
        {STATUSES.map((s) => (
          <li key={s}>
            <a
              href={href(['cases'], { ...filters, status: s })}
              aria-current={filters.status === s ? 'true' : undefined}
            >
              <Value value={s} />{' '}
              <strong data-status={s}>
                {counts.data?.caseQueueCounts.find((c) => c.status === s)?.count ?? 0}
              </strong>
            </a>
          </li>
        ))}
      </ul>
      <div class="filters">
        {select('status', t('common.status'), STATUSES)}
        {select('type', t('cases.type'), TYPES)}
        {select('severity', t('cases.severity'), SEVERITIES)}
        {select('who', t('cases.assignee'), ['mine', 'unassigned'], (v) =>
          t(v === 'mine' ? 'cases.mine' : 'cases.unassigned'),
        )}
        {select('sort', t('cases.sort'), ['OLDEST', 'NEWEST'], (v) =>
          t(v === 'OLDEST' ? 'cases.oldest' : 'cases.newest'),
        )}
      </div>
      <Loading when={cases.loading} />
      <ErrorNote error={cases.error ?? counts.error} />
      {cases.data && cases.rows.length === 0 && <p class="empty">{t('common.none')}</p>}
      {cases.rows.length > 0 && (
        <table class="queue">
          <Head
            columns={[
              t('cases.case'),
              t('common.createdAt'),
              t('cases.type'),
              t('cases.severity'),
              t('common.status'),
              `#${t('cases.remedy')}`,
              t('cases.assignee'),
              t('cases.actions'),
            ]}
          />
          <tbody>
            {cases.rows.map((c) => (
              <tr key={c.id}>
                <td>
                  <a href={href(['cases', c.id])}>
                    <code>{c.id}</code>
                  </a>
                </td>
                <td>
                  <Time iso={c.createdAt} />
                </td>
                <td>
                  <Value value={c.type} />
                </td>
                <td>
                  <Value value={c.severity} />
                </td>
                <td>
                  <Value value={c.status} />
                </td>
                <td class="num">
                  <Value value={c.requestedRemedy} />{' '}
                  {c.requestedAmount && <Money value={c.requestedAmount} />}
                </td>
                <td>
                  <code>{c.assigneeId ?? '—'}</code>
                </td>
                <td>{role === 'SUPPORT' && <Assign c={c} subject={subject} changed={changed} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore onClick={cases.loadMore} />
    </section>
  );
}

/** Take the case, or hand it to another agent (empty: release it). */
function Assign({ c, subject, changed }: { c: QueueCase; subject: string; changed: () => void }) {
  const { t } = useI18n();
  const [agent, setAgent] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const run = async (query: string, variables: Record<string, unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await gql(query, variables);
      changed();
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="assign"
      aria-label={`${t('cases.assign')} ${c.id}`}
      onSubmit={(e) => {
        e.preventDefault();
        void run(`mutation($id: ID!, $to: String) { assignCase(caseId: $id, assigneeId: $to) { id } }`, {
          id: c.id,
          to: agent.trim() || null,
        });
      }}
    >
      <ErrorNote error={error} />
      {c.assigneeId !== subject && (
        <button
          type="button"
          disabled={busy}
          onClick={() => void run(`mutation($id: ID!) { takeCase(caseId: $id) { id } }`, { id: c.id })}
        >
          {t('cases.take')}
        </button>
      )}
      <input
        aria-label={t('cases.assignTo')}
        placeholder={t('cases.assignTo')}
        value={agent}
        onInput={(e) => setAgent(e.currentTarget.value)}
      />
      {(agent.trim() || c.assigneeId) && (
        <button type="submit" disabled={busy}>
          {agent.trim() ? t('cases.assign') : t('cases.release')}
        </button>
      )}
    </form>
  );
}
