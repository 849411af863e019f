import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import './chart.css';
import { formatMoney, sumMinor } from './format.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Legend,
  Tooltip,
);

export interface Series {
  readonly label: string;
  /** Integer strings: counts, or amounts in minor units when the chart has a currency. */
  readonly values: readonly string[];
}

const COLOURS = ['#0b5cad', '#bf5700', '#116329', '#8250df', '#a40e26', '#57606a'];

/**
 * A Chart.js bar or line chart with its figures in a table beneath (for screen readers, for print,
 * and for checking). Amounts are plotted as integer minor units — exact below 2^53, never yuan
 * floats — and every label is formatted from them with `formatMoney`.
 */
export function SeriesChart(props: {
  readonly id: string;
  readonly title: string;
  readonly kind: 'bar' | 'line';
  readonly labels: readonly string[];
  readonly series: readonly Series[];
  /** Set when the values are amounts in this currency's minor units. */
  readonly currency?: string;
  /** Stacks the bars (one bar per label, its parts the series); the table adds this total column. */
  readonly stackedTotal?: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { id, title, kind, labels, series, currency, stackedTotal } = props;
  const stacked = stackedTotal !== undefined;
  const shown = (value: string) => (currency ? formatMoney(value, currency) : value);
  const key = JSON.stringify([kind, labels, series, currency, stacked]);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: kind,
      data: {
        labels: [...labels],
        datasets: series.map((s, i) => ({
          label: s.label,
          data: s.values.map(Number),
          backgroundColor: COLOURS[i % COLOURS.length],
          borderColor: COLOURS[i % COLOURS.length],
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { stacked },
          y: {
            stacked,
            beginAtZero: true,
            ticks: { precision: 0, callback: (v) => shown(String(Math.round(Number(v)))) },
          },
        },
        plugins: {
          legend: { display: series.length > 1 },
          tooltip: {
            callbacks: { label: (c) => `${c.dataset.label ?? ''}: ${shown(String(c.parsed.y))}` },
          },
        },
      },
    });
    // What Chart.js laid out, for the browser tests: one element per bar or point.
    canvas.current.dataset['drawn'] = JSON.stringify(
      chart.data.datasets.map((_, i) => chart.getDatasetMeta(i).data.length),
    );
    const print = () => chart.resize();
    addEventListener('beforeprint', print);
    return () => {
      removeEventListener('beforeprint', print);
      chart.destroy();
    };
  }, [key]);
  return (
    <figure class="chart" aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <div class="chart-box">
        <canvas id={id} ref={canvas} role="img" aria-labelledby={`${id}-title`} />
      </div>
      <table class="chart-data" id={`${id}-data`}>
        <thead>
          <tr>
            <th scope="col">{title}</th>
            {series.map((s) => (
              <th key={s.label} scope="col" class="num">
                {s.label}
              </th>
            ))}
            {stacked && (
              <th scope="col" class="num">
                {stackedTotal}
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {labels.map((label, row) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              {series.map((s) => (
                <td key={s.label} class="num">
                  {shown(s.values[row] ?? '0')}
                </td>
              ))}
              {stacked && <td class="num">{shown(sumMinor(series.map((s) => s.values[row] ?? '0')))}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
