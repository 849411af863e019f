import { useState } from 'preact/hooks';
import { type ApiError } from '../api.js';
import { useI18n, valueLabel } from '../i18n.js';
import { href } from '../router.js';
import { asApiError, ErrorNote, Head, Money, Time, Value } from '../ui.js';
import { AGE_BUCKETS, CATEGORIES, type Discrepancy } from './recon.model.js';

export type Resolution =
  | { readonly action: 'TIMING'; readonly note: string }
  | { readonly action: 'ADJUSTMENT'; readonly note: string }
  | { readonly action: 'LINK'; readonly note: string; readonly linkedId: string };

export interface ItemFilters {
  readonly category: string;
  readonly status: string;
  readonly age: string;
}

/** Category, status and age filters; each change is a new URL, so a filtered list can be shared. */
export function ItemFilterBar({
  filters,
  change,
}: {
  filters: ItemFilters;
  change: (f: Partial<ItemFilters>) => void;
}) {
  const { t, lang } = useI18n();
  return (
    <div class="filters">
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
          <option value="">{t('common.all')}</option>
          {['OPEN', 'RESOLVED', 'AUTO_CLOSED'].map((s) => (
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
          {AGE_BUCKETS.map((b) => (
            <option key={b} value={b}>
              {t(`recon.age.${b}`)}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

export function ItemTable({
  items,
  resolve,
}: {
  items: readonly Discrepancy[];
  resolve: (id: string, resolution: Resolution) => Promise<void>;
}) {
  const { t } = useI18n();
  if (items.length === 0) return <p class="empty">{t('common.none')}</p>;
  return (
    <table class="items">
      <Head
        columns={[
          t('recon.category'),
          t('recon.key'),
          `#${t('recon.statementAmount')}`,
          `#${t('recon.ledgerAmount')}`,
          t('recon.detail'),
          t('common.status'),
          t('recon.resolve'),
        ]}
      />
      <tbody>
        {items.map((item) => (
          <tr key={item.id} data-category={item.category}>
            <td>
              <Value value={item.category} />
            </td>
            <td>
              {item.ledgerRefundId ? (
                <a href={href(['refunds', item.ledgerRefundId])}>
                  <code>{item.matchKey}</code>
                </a>
              ) : (
                <code>{item.matchKey}</code>
              )}
            </td>
            <td class="num">{item.statementAmount ? <Money value={item.statementAmount} /> : '—'}</td>
            <td class="num">{item.ledgerAmount ? <Money value={item.ledgerAmount} /> : '—'}</td>
            <td>{item.detail}</td>
            <td>
              <Value value={item.status} />{' '}
              {item.ageBucket && `· ${t(`recon.age.${item.ageBucket as 'D0_1'}`)}`}
            </td>
            <td>
              {item.status === 'OPEN' ? (
                <ResolveForm item={item} resolve={resolve} />
              ) : (
                <span>
                  <Value value={item.resolution} /> {item.resolutionNote}{' '}
                  {item.resolvedBy && <code>{item.resolvedBy}</code>} <Time iso={item.resolvedAt} />
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
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
  const [action, setAction] = useState<Resolution['action']>('ADJUSTMENT');
  const [note, setNote] = useState('');
  const [linkedId, setLinkedId] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const submit = async () => {
    setError(undefined);
    try {
      await resolve(
        item.id,
        action === 'LINK'
          ? { action, note: note.trim(), linkedId: linkedId.trim() }
          : { action, note: note.trim() },
      );
    } catch (e) {
      setError(asApiError(e));
    }
  };
  const label = `${t('recon.resolve')} ${item.matchKey}`;
  return (
    <form
      class="resolve"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <ErrorNote error={error} />
      <select
        aria-label={t('recon.resolve')}
        value={action}
        onChange={(e) => setAction(e.currentTarget.value as Resolution['action'])}
      >
        <option value="ADJUSTMENT">{t('recon.adjust')}</option>
        <option value="TIMING">{t('recon.asTiming')}</option>
        <option value="LINK">{t('recon.link')}</option>
      </select>
      {action === 'LINK' && (
        <input
          aria-label={t('recon.linkId')}
          value={linkedId}
          required
          onInput={(e) => setLinkedId(e.currentTarget.value)}
        />
      )}
      <input
        aria-label={t('recon.note')}
        placeholder={t('recon.note')}
        value={note}
        required
        onInput={(e) => setNote(e.currentTarget.value)}
      />
      <button type="submit" disabled={!note.trim() || (action === 'LINK' && !linkedId.trim())}>
        {t('common.submit')}
      </button>
    </form>
  );
}
