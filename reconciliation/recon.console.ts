/** The CLI's terminal output: a progress line on stderr and the summary table. */
import type { CategoryFigure, RunView } from './recon.queries.js';

const yuan = (minor: bigint): string => {
  const neg = minor < 0n;
  const abs = neg ? -minor : minor;
  const whole = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${whole}.${(abs % 100n).toString().padStart(2, '0')}`;
};

/** Phase, a bar over the rows loaded (when the match knows its total), rows/s; redrawn ≤ 10 times a second. */
export class ProgressBar {
  private last = 0;
  private loaded = 0;
  private readonly started = Date.now();
  private shown = false;
  constructor(private readonly out: NodeJS.WriteStream) {}

  update(phase: string, rows: number): void {
    if (phase === 'load') this.loaded = rows;
    const now = Date.now();
    if (now - this.last < 100 && phase !== 'commit') return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(rows / seconds) : 0;
    const total = phase === 'match' && this.loaded > 0 ? this.loaded : 0;
    const ratio = total > 0 ? Math.min(1, rows / total) : 0;
    const width = 30;
    const bar =
      total > 0
        ? `[${'#'.repeat(Math.round(ratio * width)).padEnd(width, '.')}] ${Math.round(ratio * 100)}% `
        : '';
    const line = `${phase.padEnd(8)} ${bar}${rows.toLocaleString('en')} rows  ${rate.toLocaleString('en')}/s  ${seconds.toFixed(1)} s`;
    if (this.out.isTTY) this.out.write(`\r${line.padEnd(90)}`);
    else if (!this.shown || phase === 'commit') this.out.write(`${line}\n`);
    this.shown = true;
  }

  done(): void {
    if (this.shown && this.out.isTTY) this.out.write('\n');
  }
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: readonly string[]): string =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function formatTable(run: RunView, categories: readonly CategoryFigure[]): string {
  const f = (k: string): bigint => run.figures[k] ?? 0n;
  const n = (k: string): string => String(run.counts[k] ?? 0);
  const providerNet = f('statement_payment_minor') - f('statement_refund_minor');
  const activity = f('clearing_debit_minor') - f('clearing_credit_minor');
  const head = `Reconciliation ${run.provider} ${run.billDate}  run ${run.id}  ${run.status}${run.fileSha256 ? `  sha256 ${run.fileSha256.slice(0, 16)}…` : ''}`;
  const totals = table([
    ['', 'payments', 'amount', 'refunds', 'amount'],
    [
      'statement',
      n('statement_payment_count'),
      yuan(f('statement_payment_minor')),
      n('statement_refund_count'),
      yuan(f('statement_refund_minor')),
    ],
    [
      'ledger',
      n('ledger_payment_count'),
      yuan(f('ledger_payment_minor')),
      n('ledger_refund_count'),
      yuan(f('ledger_refund_minor')),
    ],
  ]);
  const byCategory = table([
    ['category', 'count', 'amount', 'open'],
    ['MATCHED', n('matched_count'), yuan(f('matched_minor')), '-'],
    ...categories.map((c) => [c.category, String(c.count), yuan(c.amountMinor), String(c.open)]),
  ]);
  const clearing = table([
    ['clearing roll-forward', run.currency],
    ['opening', yuan(f('clearing_opening_minor'))],
    ['+ debits', yuan(f('clearing_debit_minor'))],
    ['- credits', yuan(f('clearing_credit_minor'))],
    ['= closing', yuan(f('clearing_closing_minor'))],
    ['provider net (payments - refunds)', yuan(providerNet)],
    ['ledger activity - provider net', yuan(activity - providerNet)],
  ]);
  const open = categories.reduce((s, c) => s + c.open, 0);
  return `${head}\n\n${totals}\n\n${byCategory}\n\n${clearing}\n\n${open === 0 ? 'No unresolved discrepancies.' : `${open} unresolved discrepancies.`}\n`;
}
