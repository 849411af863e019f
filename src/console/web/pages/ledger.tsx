import { gql } from '../api.js';
import { useI18n } from '../i18n.js';
import { href, type Route } from '../router.js';
import { AccountPage } from './account.js';
import { ErrorNote, Loading, Money, useAsync, Value, type MoneyShape, Head } from '../ui.js';

interface TrialBalanceLine {
  readonly currency: string;
  readonly totalDebits: MoneyShape;
  readonly totalCredits: MoneyShape;
  readonly balanced: boolean;
}

interface Account {
  readonly id: string;
  readonly code: string;
  readonly type: string;
  readonly currency: string;
  readonly debits: MoneyShape;
  readonly credits: MoneyShape;
  readonly balance: MoneyShape;
}

const LEDGER = `query {
  trialBalance { currency balanced totalDebits { minor currency } totalCredits { minor currency } }
  accounts(first: 100) { edges { node { id code type currency
    debits { minor currency } credits { minor currency } balance { minor currency } } } }
}`;

export function LedgerPage({ route }: { route: Route }) {
  const [, code, currency] = route.segments;
  return code && currency ? <AccountPage code={code} currency={currency} /> : <TrialBalance />;
}

function TrialBalance() {
  const { t } = useI18n();
  const ledger = useAsync(
    () => gql<{ trialBalance: TrialBalanceLine[]; accounts: { edges: { node: Account }[] } }>(LEDGER),
    [],
  );
  const lines = ledger.data?.trialBalance ?? [];
  const accounts = ledger.data?.accounts.edges.map((e) => e.node) ?? [];
  return (
    <>
      <h1>{t('ledger.title')}</h1>
      <Loading when={ledger.loading} />
      <ErrorNote error={ledger.error} />
      {ledger.data && (
        <table class="trial-balance">
          <Head
            columns={[
              t('ledger.currency'),
              `#${t('ledger.debits')}`,
              `#${t('ledger.credits')}`,
              t('ledger.balanced'),
            ]}
          />
          <tbody>
            {lines.map((l) => (
              <tr key={l.currency}>
                <td>{l.currency}</td>
                <td class="num">
                  <Money value={l.totalDebits} />
                </td>
                <td class="num">
                  <Money value={l.totalCredits} />
                </td>
                <td class={l.balanced ? 'ok' : 'bad'}>
                  {l.balanced ? `✔ ${t('ledger.yes')}` : `✘ ${t('ledger.no')}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {accounts.length > 0 && (
        <>
          <h2>{t('ledger.accounts')}</h2>
          <table>
            <Head
              columns={[
                t('ledger.code'),
                t('ledger.type'),
                `#${t('ledger.debits')}`,
                `#${t('ledger.credits')}`,
                `#${t('ledger.balance')}`,
              ]}
            />
            <tbody>
              {accounts.map((a) => (
                <tr key={a.id}>
                  <td>
                    <a href={href(['ledger', a.code, a.currency])}>
                      <code>{a.code}</code>
                    </a>
                  </td>
                  <td>
                    <Value value={a.type} />
                  </td>
                  <td class="num">
                    <Money value={a.debits} />
                  </td>
                  <td class="num">
                    <Money value={a.credits} />
                  </td>
                  <td class="num">
                    <Money value={a.balance} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
