import { SeriesChart } from '../chart.js';
import { useI18n, valueLabel } from '../i18n.js';
import { href } from '../router.js';
import { Head, Money, Value } from '../ui.js';
import { discrepancyTotals, type RunSummary, type TrendDay } from './recon.model.js';

/** The last 30 bill dates, discrepancies found per day and provider (a day without a run counts 0). */
export function Trend({ days }: { days: readonly (readonly TrendDay[])[] }) {
  const { t, lang } = useI18n();
  const dates = days[0]?.map((d) => d.billDate) ?? [];
  if (dates.length === 0) return null;
  return (
    <SeriesChart
      id="trend"
      kind="line"
      title={t('recon.trend')}
      labels={dates}
      series={days.map((perDay) => ({
        label: valueLabel(lang, perDay[0]?.provider),
        values: dates.map((date) => String(perDay.find((d) => d.billDate === date)?.discrepancyCount ?? 0)),
      }))}
    />
  );
}

/** The current run of each provider and bill date, newest first. */
export function RunList({ runs }: { runs: readonly RunSummary[] }) {
  const { t } = useI18n();
  if (runs.length === 0) return <p class="empty">{t('common.none')}</p>;
  return (
    <table class="runs">
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
        {runs.map((r) => {
          const found = discrepancyTotals(r);
          return (
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
              <td class="num">{r.statement.rows}</td>
              <td class="num">
                {r.matchedCount} · <Money value={r.matchedTotal} />
              </td>
              <td class="num">
                {found.count} · <Money value={found.total} />
              </td>
              <td class="num">{found.open}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
