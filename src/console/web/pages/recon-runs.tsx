import { SeriesChart } from '../chart.js';
import { useI18n, valueLabel } from '../i18n.js';
import { href } from '../router.js';
import { Head, Money, Value } from '../ui.js';
import type { RunSummary } from './recon.model.js';

/** The runs table and, over the last 30 bill dates shown, the discrepancy count per day and provider. */
export function RunList({ runs }: { runs: readonly RunSummary[] }) {
  const { t, lang } = useI18n();
  const dates = [...new Set(runs.map((r) => r.billDate))].sort().slice(-30);
  const providers = [...new Set(runs.map((r) => r.provider))].sort();
  const count = (provider: string, date: string) =>
    String(runs.find((r) => r.provider === provider && r.billDate === date)?.discrepancyCount ?? 0);
  return (
    <>
      {dates.length > 0 && (
        <SeriesChart
          id="trend"
          kind="line"
          title={t('recon.trend')}
          labels={dates}
          series={providers.map((p) => ({
            label: valueLabel(lang, p),
            values: dates.map((d) => count(p, d)),
          }))}
        />
      )}
      {runs.length === 0 ? (
        <p class="empty">{t('common.none')}</p>
      ) : (
        <table>
          <Head
            columns={[
              t('recon.billDate'),
              t('recon.provider'),
              t('common.status'),
              `#${t('recon.statementRows')}`,
              `#${t('recon.matched')}`,
              `#${t('recon.discrepancies')}`,
              `#${t('recon.open')}`,
            ]}
          />
          <tbody>
            {runs.map((r) => (
              <tr key={r.id}>
                <td>
                  <a href={href(['recon', r.id])}>{r.billDate}</a>
                </td>
                <td>
                  <Value value={r.provider} />
                </td>
                <td>
                  <Value value={r.status} />
                </td>
                <td class="num">{r.statementRows}</td>
                <td class="num">
                  {r.matchedCount} · <Money value={r.matched} />
                </td>
                <td class="num">
                  {r.discrepancyCount} · <Money value={r.discrepancyAmount} />
                </td>
                <td class="num">{r.openCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
