import { SeriesChart } from '../chart.js';
import { useI18n, valueLabel } from '../i18n.js';
import { Field, Money, Time, Value } from '../ui.js';
import {
  AGE_BUCKET_NAMES,
  CATEGORIES,
  discrepancyTotals,
  type AgingBucket,
  type RunReport,
} from './recon.model.js';

/** A run's figures and the four charts finance reads first; prints on A4 with the list below it. */
export function RunFigures({ run, aging }: { run: RunReport; aging: readonly AgingBucket[] }) {
  const { t, lang } = useI18n();
  const byCategory = new Map(run.categories.map((c) => [c.category, c]));
  const categories = CATEGORIES.filter((c) => byCategory.has(c));
  const ageCounts = new Map(aging.map((a) => [a.bucket, a.count]));
  const found = discrepancyTotals(run);
  const currency = run.matchedTotal.currency;
  const { clearing } = run;
  return (
    <>
      <dl class="facts">
        <Field label={t('recon.provider')}>
          <Value value={run.provider} />
        </Field>
        <Field label={t('recon.billDate')}>{run.billDate}</Field>
        <Field label={t('common.status')}>
          <Value value={run.status} /> {run.errorMessage}
        </Field>
        <Field label={t('recon.statementRows')}>
          {run.statement.rows} {run.fileName && <code>{run.fileName}</code>}
        </Field>
        <Field label={t('recon.matched')}>
          {run.matchedCount} · <Money value={run.matchedTotal} />
        </Field>
        <Field label={t('recon.discrepancies')}>
          {found.count} · <Money value={found.total} />
        </Field>
        <Field label={t('recon.open')}>{found.open}</Field>
        <Field label={t('recon.fees')}>
          <Money value={run.statement.feeTotal} />
        </Field>
        <Field label={t('recon.difference')}>
          <Money value={clearing.difference} /> ({t('recon.providerNet')}{' '}
          <Money value={clearing.providerNet} />)
        </Field>
        <Field label={t('recon.timingClosed')}>{run.timingClosedCount}</Field>
        <Field label={t('recon.ranAt')}>
          <Time iso={run.finishedAt} /> · <Value value={run.trigger} /> <code>{run.requestedBy}</code>
        </Field>
      </dl>
      <div class="charts">
        <SeriesChart
          id="by-category"
          kind="bar"
          title={t('recon.byCategory')}
          labels={categories.map((c) => valueLabel(lang, c))}
          stackedTotal={t('recon.count')}
          series={[
            { label: t('recon.open'), values: categories.map((c) => String(byCategory.get(c)!.open)) },
            {
              label: t('recon.settled'),
              values: categories.map((c) => String(byCategory.get(c)!.count - byCategory.get(c)!.open)),
            },
          ]}
        />
        <SeriesChart
          id="totals"
          kind="bar"
          title={t('recon.totals')}
          currency={currency}
          labels={[t('recon.payments'), t('recon.refunds')]}
          series={[
            {
              label: t('recon.statementSide'),
              values: [run.statement.paymentTotal.minor, run.statement.refundTotal.minor],
            },
            {
              label: t('recon.ledgerSide'),
              values: [run.ledger.paymentTotal.minor, run.ledger.refundTotal.minor],
            },
          ]}
        />
        <SeriesChart
          id="roll-forward"
          kind="bar"
          title={`${t('recon.rollForward')} · ${clearing.balanced ? t('ledger.yes') : t('ledger.no')}`}
          currency={currency}
          labels={[t('recon.opening'), t('recon.debits'), t('recon.credits'), t('recon.closing')]}
          series={[
            {
              label: t('recon.clearing'),
              values: [
                clearing.opening.minor,
                clearing.debits.minor,
                clearing.credits.minor,
                clearing.closing.minor,
              ],
            },
          ]}
        />
        <SeriesChart
          id="aging"
          kind="bar"
          title={`${t('recon.aging')} · ${valueLabel(lang, run.provider)}`}
          labels={AGE_BUCKET_NAMES.map((b) => t(`recon.age.${b}`))}
          series={[
            { label: t('recon.open'), values: AGE_BUCKET_NAMES.map((b) => String(ageCounts.get(b) ?? 0)) },
          ]}
        />
      </div>
    </>
  );
}
