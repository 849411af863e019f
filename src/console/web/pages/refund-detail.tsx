import { useState } from 'preact/hooks';
import { gql, type ApiError } from '../api.js';
import { useI18n } from '../i18n.js';
import { href } from '../router.js';
import {
  asApiError,
  ErrorNote,
  Field,
  Head,
  Loading,
  Money,
  Time,
  useAsync,
  Value,
  type MoneyShape,
} from '../ui.js';

export interface RefundEvent {
  readonly id: string;
  readonly fromStatus: string | null;
  readonly toStatus: string;
  readonly source: string;
  readonly actorId: string;
  readonly actorRole: string;
  readonly occurredAt: string;
  readonly detail: string | null;
}

interface Refund {
  readonly id: string;
  readonly orderId: string;
  readonly paymentId: string;
  readonly customerId: string;
  readonly merchantId: string;
  readonly channel: string;
  readonly status: string;
  readonly amount: MoneyShape;
  readonly reason: string;
  readonly liableParty: string;
  readonly liablePartyId: string | null;
  readonly providerRefundId: string | null;
  readonly attempts: number;
  readonly lastErrorCode: string | null;
  readonly settledBy: string | null;
  readonly createdAt: string;
  readonly finalizedAt: string | null;
  readonly events: readonly RefundEvent[];
}

const REFUND = `query($id: ID!) { refund(id: $id) {
  id orderId paymentId customerId merchantId channel status amount { minor currency } reason liableParty
  liablePartyId providerRefundId attempts lastErrorCode settledBy createdAt finalizedAt
  events { id fromStatus toStatus source actorId actorRole occurredAt detail }
} }`;

export function RefundDetail({ id, role }: { id: string; role: string }) {
  const { t } = useI18n();
  const found = useAsync(() => gql<{ refund: Refund | null }>(REFUND, { id }), [id]);
  const refund = found.data?.refund;
  return (
    <>
      <h1>
        {t('refunds.id')} <code>{id}</code>
      </h1>
      <Loading when={found.loading} />
      <ErrorNote error={found.error} />
      {found.data && !refund && <p class="empty">{t('refunds.notFound')}</p>}
      {refund && (
        <>
          <dl class="facts">
            <Field label={t('common.status')}>
              <Value value={refund.status} />
            </Field>
            <Field label={t('common.amount')}>
              <Money value={refund.amount} />
            </Field>
            <Field label={t('refunds.channel')}>
              <Value value={refund.channel} />
            </Field>
            <Field label={t('refunds.order')}>
              <a href={href(['refunds'], { q: refund.orderId })}>
                <code>{refund.orderId}</code>
              </a>
            </Field>
            <Field label={t('refunds.payment')}>
              <code>{refund.paymentId}</code>
            </Field>
            <Field label={t('refunds.customer')}>
              <code>{refund.customerId}</code>
            </Field>
            <Field label={t('refunds.merchant')}>
              <code>{refund.merchantId}</code>
            </Field>
            <Field label={t('refunds.liable')}>
              <Value value={refund.liableParty} />{' '}
              {refund.liablePartyId && <code>{refund.liablePartyId}</code>}
            </Field>
            <Field label={t('common.reason')}>{refund.reason}</Field>
            <Field label={t('refunds.providerRefundId')}>
              <code>{refund.providerRefundId ?? '—'}</code>
            </Field>
            <Field label={t('refunds.attempts')}>{refund.attempts}</Field>
            <Field label={t('refunds.lastError')}>
              <code>{refund.lastErrorCode ?? '—'}</code>
            </Field>
            <Field label={t('refunds.settledBy')}>{refund.settledBy ?? '—'}</Field>
            <Field label={t('common.createdAt')}>
              <Time iso={refund.createdAt} />
            </Field>
            <Field label={t('refunds.finalizedAt')}>
              <Time iso={refund.finalizedAt} />
            </Field>
          </dl>
          {refund.status === 'ABNORMAL' && role !== 'FINANCE' && (
            <AbnormalActions id={refund.id} done={found.reload} />
          )}
          <h2>{t('refunds.events')}</h2>
          <EventTable events={refund.events} />
        </>
      )}
    </>
  );
}

export function EventTable({ events }: { events: readonly RefundEvent[] }) {
  const { t } = useI18n();
  return (
    <table>
      <Head
        columns={[
          t('refunds.time'),
          t('refunds.from'),
          t('refunds.to'),
          t('refunds.source'),
          t('refunds.actor'),
          t('refunds.detail'),
        ]}
      />
      <tbody>
        {events.map((e) => (
          <tr key={e.id}>
            <td>
              <Time iso={e.occurredAt} />
            </td>
            <td>
              <Value value={e.fromStatus} />
            </td>
            <td>
              <Value value={e.toStatus} />
            </td>
            <td>{e.source}</td>
            <td>
              <code>{e.actorId}</code> (<Value value={e.actorRole} />)
            </td>
            <td class="detail">
              <code>{e.detail ?? ''}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** ABNORMAL refunds: support settles one paid out by other means, or closes it (the money is released). */
function AbnormalActions({ id, done }: { id: string; done: () => void }) {
  const { t } = useI18n();
  const [note, setNote] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const act = async (mutation: 'settle' | 'close') => {
    setError(undefined);
    try {
      await gql(
        mutation === 'settle'
          ? `mutation($id: ID!, $note: String!) { settleRefundManually(refundId: $id, note: $note) { id } }`
          : `mutation($id: ID!, $note: String!) { closeRefund(refundId: $id, reason: $note) { id } }`,
        { id, note },
      );
      done();
    } catch (e) {
      setError(asApiError(e));
    }
  };
  return (
    <form class="card" aria-labelledby="abnormal-actions" onSubmit={(e) => e.preventDefault()}>
      <h2 id="abnormal-actions">{t('refunds.abnormalActions')}</h2>
      <ErrorNote error={error} />
      <label>
        {t('refunds.note')}
        <textarea rows={2} value={note} required onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      <div class="actions">
        <button type="button" disabled={!note.trim()} onClick={() => void act('settle')}>
          {t('refunds.settle')}
        </button>
        <button type="button" class="danger" disabled={!note.trim()} onClick={() => void act('close')}>
          {t('refunds.close')}
        </button>
      </div>
    </form>
  );
}
