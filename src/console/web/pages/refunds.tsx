import { useState } from 'preact/hooks';
import { gql } from '../api.js';
import { useI18n } from '../i18n.js';
import { href, navigate, type Route } from '../router.js';
import { RefundDetail } from './refund-detail.js';
import { ErrorNote, Loading, Money, Time, useAsync, Value, type MoneyShape, Head } from '../ui.js';

const STATUSES = ['PENDING', 'PROCESSING', 'SUCCEEDED', 'FAILED', 'CLOSED', 'ABNORMAL'] as const;
const MONEY = `{ minor currency }`;
const SUMMARY = `id orderId channel status amount ${MONEY} createdAt reason`;

interface RefundSummary {
  readonly id: string;
  readonly orderId: string;
  readonly channel: string;
  readonly status: string;
  readonly amount: MoneyShape;
  readonly createdAt: string;
  readonly reason: string;
}

interface PaymentSummary {
  readonly id: string;
  readonly channel: string;
  readonly outTradeNo: string;
  readonly amount: MoneyShape;
  readonly refundable: MoneyShape;
  readonly capturedAt: string;
}

type Found =
  | { kind: 'refund'; refund: RefundSummary }
  | { kind: 'order'; orderId: string; refunds: RefundSummary[]; payments: PaymentSummary[] }
  | { kind: 'none' };

/**
 * One box for every identifier support is handed: a refund id is also the provider's out_refund_no
 * (out_request_no at Alipay), so it and an order id cover what a caller or a provider can quote.
 */
async function lookUp(query: string): Promise<Found> {
  const { refund, order } = await gql<{
    refund: RefundSummary | null;
    order: { id: string; refunds: RefundSummary[]; payments: PaymentSummary[] } | null;
  }>(
    `query($id: ID!) {
      refund(id: $id) { ${SUMMARY} }
      order(id: $id) { id refunds { ${SUMMARY} } payments { id channel outTradeNo amount ${MONEY} refundable ${MONEY} capturedAt } }
    }`,
    { id: query },
  );
  if (refund) return { kind: 'refund', refund };
  if (order) return { kind: 'order', orderId: order.id, refunds: order.refunds, payments: order.payments };
  return { kind: 'none' };
}

export function RefundsPage({ route, role }: { route: Route; role: string }) {
  const id = route.segments[1];
  return id ? <RefundDetail id={id} role={role} /> : <RefundLookup route={route} />;
}

function RefundLookup({ route }: { route: Route }) {
  const { t } = useI18n();
  const query = route.params.get('q') ?? '';
  const status = route.params.get('status') ?? '';
  const [typed, setTyped] = useState(query);
  return (
    <>
      <h1>{t('refunds.title')}</h1>
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(['refunds'], { q: typed.trim() });
        }}
      >
        <label>
          {t('refunds.query')}
          <input name="q" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autoComplete="off" />
        </label>
        <button type="submit">{t('common.search')}</button>
      </form>
      <p class="hint">{t('refunds.hint')}</p>
      {query ? <LookupResult query={query} /> : <RecentRefunds status={status} />}
    </>
  );
}

function LookupResult({ query }: { query: string }) {
  const { t } = useI18n();
  const found = useAsync(() => lookUp(query), [query]);
  const result = found.data;
  return (
    <section aria-live="polite">
      <Loading when={found.loading} />
      <ErrorNote error={found.error} />
      {result?.kind === 'none' && <p class="empty">{t('refunds.notFound')}</p>}
      {result?.kind === 'refund' && <RefundTable refunds={[result.refund]} />}
      {result?.kind === 'order' && (
        <>
          <h2>
            {t('refunds.order')} <code>{result.orderId}</code>
          </h2>
          <h3>{t('refunds.orderPayments')}</h3>
          <PaymentTable payments={result.payments} />
          <h3>{t('refunds.orderRefunds')}</h3>
          <RefundTable refunds={result.refunds} />
        </>
      )}
    </section>
  );
}

function RecentRefunds({ status }: { status: string }) {
  const { t } = useI18n();
  const page = useAsync(
    () =>
      gql<{ refunds: { edges: { node: RefundSummary }[] } }>(
        `query($filter: RefundFilter) { refunds(first: 50, filter: $filter) { edges { node { ${SUMMARY} } } } }`,
        { filter: status ? { status } : null },
      ),
    [status],
  );
  return (
    <section aria-labelledby="recent-refunds">
      <h2 id="recent-refunds">{t('refunds.recent')}</h2>
      <label class="inline">
        {t('common.status')}
        <select value={status} onChange={(e) => navigate(['refunds'], { status: e.currentTarget.value })}>
          <option value="">{t('common.all')}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <Loading when={page.loading} />
      <ErrorNote error={page.error} />
      {page.data && <RefundTable refunds={page.data.refunds.edges.map((e) => e.node)} />}
    </section>
  );
}

function RefundTable({ refunds }: { refunds: readonly RefundSummary[] }) {
  const { t } = useI18n();
  if (refunds.length === 0) return <p class="empty">{t('common.none')}</p>;
  return (
    <table>
      <Head
        columns={[
          t('refunds.id'),
          t('refunds.order'),
          t('refunds.channel'),
          t('common.status'),
          `#${t('common.amount')}`,
          t('common.createdAt'),
          t('common.reason'),
        ]}
      />
      <tbody>
        {refunds.map((r) => (
          <tr key={r.id}>
            <td>
              <a href={href(['refunds', r.id])}>
                <code>{r.id}</code>
              </a>
            </td>
            <td>
              <a href={href(['refunds'], { q: r.orderId })}>
                <code>{r.orderId}</code>
              </a>
            </td>
            <td>
              <Value value={r.channel} />
            </td>
            <td>
              <Value value={r.status} />
            </td>
            <td class="num">
              <Money value={r.amount} />
            </td>
            <td>
              <Time iso={r.createdAt} />
            </td>
            <td>{r.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PaymentTable({ payments }: { payments: readonly PaymentSummary[] }) {
  const { t } = useI18n();
  if (payments.length === 0) return <p class="empty">{t('common.none')}</p>;
  return (
    <table>
      <Head
        columns={[
          t('refunds.payment'),
          t('refunds.channel'),
          'out_trade_no',
          `#${t('common.amount')}`,
          `#${t('refunds.refundable')}`,
          t('common.createdAt'),
        ]}
      />
      <tbody>
        {payments.map((p) => (
          <tr key={p.id}>
            <td>
              <code>{p.id}</code>
            </td>
            <td>
              <Value value={p.channel} />
            </td>
            <td>
              <code>{p.outTradeNo}</code>
            </td>
            <td class="num">
              <Money value={p.amount} />
            </td>
            <td class="num">
              <Money value={p.refundable} />
            </td>
            <td>
              <Time iso={p.capturedAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
