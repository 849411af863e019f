import { SeriesChart } from '../chart.js';
import { useI18n, valueLabel } from '../i18n.js';
import { Field, Money, Value } from '../ui.js';
import { AGE_BUCKETS, CATEGORIES, type RunReport } from './recon.model.js';

/** A run's figures and the four charts finance reads first; prints on A4 with the list below it. */
export function RunFigures({ run }: { run: RunReport }) {
  const { t, lang } = useI18n();
  const byCategory = new Map(run.byCategory.map((c) => [c.category, c]));
  const categories = CATEGORIES.filter((c) => byCategory.has(c));
  const aging = new Map(run.aging.map((a) => [a.bucket, a.count]));
  return (
    <>
      <dl class="facts">
        <Field label={t('recon.provider')}>
          <Value value={run.provider} />
        </Field>
        <Field label={t('recon.billDate')}>{run.billDate}</Field>
        <Field label={t('common.status')}>
          <Value value={run.status} />
        </Field>
        <Field label={t('recon.statementRows')}>{run.statementRows}</Field>
        <Field label={t('recon.matched')}>
          {run.matchedCount} · <Money value={run.matched} />
        </Field>
        <Field label={t('recon.discrepancies')}>
          {run.discrepancyCount} · <Money value={run.discrepancyAmount} />
        </Field>
        <Field label={t('recon.open')}>{run.openCount}</Field>
      </dl>
      <div class="charts">
        <SeriesChart
          id="by-category"
          kind="bar"
          title={t('recon.byCategory')}
          labels={categories.map((c) => valueLabel(lang, c))}
          series={[
            { label: t('recon.count'), values: categories.map((c) => String(byCategory.get(c)?.count ?? 0)) },
          ]}
        />
        <SeriesChart
          id="totals"
          kind="bar"
          title={t('recon.totals')}
          currency={run.currency}
          labels={[t('recon.payments'), t('recon.refunds')]}
          series={[
            {
              label: t('recon.statementSide'),
              values: [run.statement.payments.amount.minor, run.statement.refunds.amount.minor],
            },
            {
              label: t('recon.ledgerSide'),
              values: [run.ledger.payments.amount.minor, run.ledger.refunds.amount.minor],
            },
          ]}
        />
        <SeriesChart
          id="roll-forward"
          kind="bar"
          title={t('recon.rollForward')}
          currency={run.currency}
          labels={[t('recon.opening'), t('recon.debits'), t('recon.credits'), t('recon.closing')]}
          series={[
            {
              label: t('recon.clearing'),
              values: [
                run.clearing.opening.minor,
                run.clearing.debits.minor,
                run.clearing.credits.minor,
                run.clearing.closing.minor,
              ],
            },
          ]}
        />
        <SeriesChart
          id="aging"
          kind="bar"
          title={t('recon.aging')}
          labels={AGE_BUCKETS.map((b) => t(`recon.age.${b}`))}
          series={[{ label: t('recon.open'), values: AGE_BUCKETS.map((b) => String(aging.get(b) ?? 0)) }]}
        />
      </div>
    </>
  );
}
