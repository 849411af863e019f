import { useState } from 'preact/hooks';
import { type ApiError } from '../api.js';
import { useI18n, valueLabel } from '../i18n.js';
import { href } from '../router.js';
import { asApiError, ErrorNote, Head, Money, Time, Value } from '../ui.js';
import {
  AGE_BUCKET_NAMES,
  CATEGORIES,
  PROVIDERS,
  STATUSES,
  type AgeBucketName,
  type Discrepancy,
} from './recon.model.js';

/** The schema's `ResolveDiscrepancyInput` less the id: a note is mandatory for ADJUST only. */
export type Resolution =
  | { readonly action: 'EXPLAIN_TIMING'; readonly note?: string }
  | { readonly action: 'ADJUST'; readonly note: string }
  | {
      readonly action: 'LINK';
      readonly note?: string;
      readonly linkType: 'REFUND' | 'PAYMENT';
      readonly linkId: string;
    };

/** The status filter's "all" (an empty value would fall back to the page's default). */
export const ANY_STATUS = 'ANY';

export interface ItemFilters {
  readonly category: string;
  readonly status: string;
  /** An age bucket's name (`D0_1` …), or empty. */
  readonly age: string;
  /** Empty on a run's own page. */
  readonly provider: string;
}

/** Category, status, age (and provider) filters; each change is a new URL, so a list can be shared. */
export function ItemFilterBar({
  filters,
  change,
  byProvider,
}: {
  filters: ItemFilters;
  change: (f: Partial<ItemFilters>) => void;
  byProvider: boolean;
}) {
  const { t, lang } = useI18n();
  return (
    <div class="filters">
      {byProvider && (
        <label class="inline">
          {t('recon.provider')}
          <select value={filters.provider} onChange={(e) => change({ provider: e.currentTarget.value })}>
            <option value="">{t('common.all')}</option>
            {PROVIDERS.map((p) => (
              <option key={p} value={p}>
                {valueLabel(lang, p)}
              </option>
            ))}
          </select>
        </label>
      )}
      <label class="inline">
        {t('recon.category')}
        <select value={filters.category} onChange={(e) => change({ category: e.currentTarget.value })}>
          <option value="">{t('common.all')}</option>
          {CATEGORIES.map((c) => (
            <option key={c} value={c}>
              {valueLabel(lang, c)}
            </option>
          ))}
        </select>
      </label>
      <label class="inline">
        {t('common.status')}
        <select value={filters.status} onChange={(e) => change({ status: e.currentTarget.value })}>
          <option value={ANY_STATUS}>{t('common.all')}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {valueLabel(lang, s)}
            </option>
          ))}
        </select>
      </label>
      <label class="inline">
        {t('recon.aging')}
        <select value={filters.age} onChange={(e) => change({ age: e.currentTarget.value })}>
          <option value="">{t('common.all')}</option>
          {AGE_BUCKET_NAMES.map((b) => (
            <option key={b} value={b}>
              {t(`recon.age.${b}`)}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

/** The discrepancies with their resolve forms; `withRun` adds the provider and bill date columns. */
export function ItemTable({
  items,
  resolve,
  withRun,
}: {
  items: readonly Discrepancy[];
  resolve: (id: string, resolution: Resolution) => Promise<void>;
  withRun: boolean;
}) {
  const { t } = useI18n();
  if (items.length === 0) return <p class="empty">{t('common.none')}</p>;
  return (
    <table class="items">
      <Head
        columns={[
          ...(withRun ? [t('recon.provider'), t('recon.billDate')] : []),
          t('recon.category'),
          t('recon.key'),
          `#${t('recon.statementAmount')}`,
          `#${t('recon.ledgerAmount')}`,
          `#${t('recon.atStake')}`,
          t('recon.detail'),
          t('common.status'),
          t('recon.resolve'),
        ]}
      />
      <tbody>
        {items.map((item) => (
          <tr key={item.id} data-category={item.category}>
            {withRun && (
              <>
                <td>
                  <Value value={item.provider} />
                </td>
                <td>
                  <a href={href(['recon', item.runId])}>{item.billDate}</a>
                </td>
              </>
            )}
            <td>
              <Value value={item.category} />
            </td>
            <td>
              {item.refundId ? (
                <a href={href(['refunds', item.refundId])}>
                  <code>{item.matchKey}</code>
                </a>
              ) : (
                <code>{item.matchKey}</code>
              )}
            </td>
            <td class="num">{item.statementAmount ? <Money value={item.statementAmount} /> : '—'}</td>
            <td class="num">{item.ledgerAmount ? <Money value={item.ledgerAmount} /> : '—'}</td>
            <td class="num">
              <Money value={item.amount} />
            </td>
            <td>{item.detail}</td>
            <td>
              <Value value={item.status} />{' '}
              {item.ageBucket && `· ${t(`recon.age.${item.ageBucket as AgeBucketName}`)}`}
            </td>
            <td>
              {item.status === 'OPEN' ? (
                <ResolveForm item={item} resolve={resolve} />
              ) : (
                <Resolved item={item} />
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Resolved({ item }: { item: Discrepancy }) {
  return (
    <span>
      <Value value={item.resolution} /> {item.linkedId && <code>{item.linkedId}</code>} {item.resolutionNote}{' '}
      {item.resolvedBy && <code>{item.resolvedBy}</code>} <Time iso={item.resolvedAt} />
    </span>
  );
}

function ResolveForm({
  item,
  resolve,
}: {
  item: Discrepancy;
  resolve: (id: string, r: Resolution) => Promise<void>;
}) {
  const { t } = useI18n();
  const [action, setAction] = useState<Resolution['action']>(
    item.category === 'TIMING' ? 'EXPLAIN_TIMING' : 'ADJUST',
  );
  const [note, setNote] = useState('');
  const [linkType, setLinkType] = useState<'REFUND' | 'PAYMENT'>(
    item.kind === 'PAYMENT' ? 'PAYMENT' : 'REFUND',
  );
  const [linkId, setLinkId] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const noted = note.trim() || undefined;
  const ready = action === 'ADJUST' ? Boolean(noted) : action === 'LINK' ? Boolean(linkId.trim()) : true;
  const submit = async () => {
    setError(undefined);
    setBusy(true);
    try {
      await resolve(
        item.id,
        action === 'LINK'
          ? { action, note: noted, linkType, linkId: linkId.trim() }
          : action === 'ADJUST'
            ? { action, note: note.trim() }
            : { action, note: noted },
      );
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="resolve"
      aria-label={`${t('recon.resolve')} ${item.matchKey}`}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <ErrorNote error={error} />
      <select
        aria-label={t('recon.action')}
        value={action}
        onChange={(e) => setAction(e.currentTarget.value as Resolution['action'])}
      >
        <option value="ADJUST">{t('recon.adjust')}</option>
        <option value="EXPLAIN_TIMING">{t('recon.asTiming')}</option>
        <option value="LINK">{t('recon.link')}</option>
      </select>
      {action === 'LINK' && (
        <>
          <select
            aria-label={t('recon.linkType')}
            value={linkType}
            onChange={(e) => setLinkType(e.currentTarget.value as 'REFUND' | 'PAYMENT')}
          >
            <option value="REFUND">{t('recon.linkRefund')}</option>
            <option value="PAYMENT">{t('recon.linkPayment')}</option>
          </select>
          <input
            aria-label={t('recon.linkId')}
            value={linkId}
            required
            onInput={(e) => setLinkId(e.currentTarget.value)}
          />
        </>
      )}
      <input
        aria-label={action === 'ADJUST' ? t('recon.note') : t('recon.noteOptional')}
        placeholder={action === 'ADJUST' ? t('recon.note') : t('recon.noteOptional')}
        value={note}
        required={action === 'ADJUST'}
        onInput={(e) => setNote(e.currentTarget.value)}
      />
      <button type="submit" disabled={!ready || busy}>
        {t('common.submit')}
      </button>
    </form>
  );
}
