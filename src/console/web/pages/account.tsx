import { gql } from '../api.js';
import { useI18n } from '../i18n.js';
import { href } from '../router.js';
import {
  ErrorNote,
  Head,
  Loading,
  LoadMore,
  Money,
  Time,
  usePaged,
  Value,
  type Connection,
  type MoneyShape,
} from '../ui.js';

interface StatementLine {
  readonly postingId: string;
  readonly entryId: string;
  readonly entryKind: string;
  readonly referenceType: string;
  readonly referenceId: string;
  readonly direction: string;
  readonly amount: MoneyShape;
  readonly runningBalance: MoneyShape;
  readonly createdAt: string;
}

const STATEMENT = `query($code: String!, $currency: String!, $after: String) {
  accountStatement(code: $code, currency: $currency, first: 100, after: $after) {
    edges { node { postingId entryId entryKind referenceType referenceId direction createdAt
      amount { minor currency } runningBalance { minor currency } } }
    pageInfo { endCursor hasNextPage }
  }
}`;

/** One account's postings with the running balance, oldest first, a hundred at a time. */
export function AccountPage({ code, currency }: { code: string; currency: string }) {
  const { t } = useI18n();
  const first = usePaged(
    async (after) =>
      (await gql<{ accountStatement: Connection<StatementLine> }>(STATEMENT, { code, currency, after }))
        .accountStatement,
    [code, currency],
  );
  const lines = first.rows;
  return (
    <>
      <p>
        <a href={href(['ledger'])}>← {t('ledger.title')}</a>
      </p>
      <h1>
        {t('ledger.statement')} <code>{code}</code> {currency}
      </h1>
      <Loading when={first.loading} />
      <ErrorNote error={first.error} />
      {first.data && lines.length === 0 && <p class="empty">{t('common.none')}</p>}
      {lines.length > 0 && (
        <table>
          <Head
            columns={[
              t('refunds.time'),
              t('ledger.entry'),
              t('ledger.reference'),
              t('ledger.direction'),
              `#${t('common.amount')}`,
              `#${t('ledger.balance')}`,
            ]}
          />
          <tbody>
            {lines.map((l) => (
              <tr key={l.postingId}>
                <td>
                  <Time iso={l.createdAt} />
                </td>
                <td>{l.entryKind}</td>
                <td>
                  {l.referenceType === 'refund' ? (
                    <a href={href(['refunds', l.referenceId])}>
                      <code>{l.referenceId}</code>
                    </a>
                  ) : (
                    <code>{l.referenceId}</code>
                  )}
                </td>
                <td>
                  <Value value={l.direction} />
                </td>
                <td class="num">
                  <Money value={l.amount} />
                </td>
                <td class="num">
                  <Money value={l.runningBalance} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore onClick={first.loadMore} />
    </>
  );
}
