/**
 * `GET /reports/reconciliation/{runId}.csv` (FINANCE / ADMIN token): a run's discrepancies as CSV,
 * streamed page by page. Spreadsheet safety: ids (long digit strings) end with a TAB, as the providers'
 * own bills do, so Excel keeps them as text instead of rounding them to 15 digits; any cell that could
 * be read as a formula (= + - @ TAB CR at its start, unless it is a plain number) is prefixed with `'`.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { isRole, Role, type TokenVerifier, type Viewer } from '../src/auth/index.js';
import type { ItemView, ReconQueries } from './recon.queries.js';

const PAGE = 1_000;

type Column = readonly [
  header: string,
  value: (i: ItemView) => string | number | bigint | Date | null,
  id?: 'id',
];

const yuan = (minor: bigint | null): string | null => {
  if (minor === null) return null;
  const neg = minor < 0n;
  const abs = neg ? -minor : minor;
  return `${neg ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
};

const COLUMNS: readonly Column[] = [
  ['run_id', (i) => i.runId, 'id'],
  ['provider', (i) => i.provider],
  ['bill_date', (i) => i.billDate],
  ['category', (i) => i.category],
  ['status', (i) => i.status],
  ['kind', (i) => i.kind],
  ['match_key', (i) => i.matchKey, 'id'],
  ['out_trade_no', (i) => i.outTradeNo, 'id'],
  ['provider_transaction_id', (i) => i.transactionId, 'id'],
  ['provider_refund_id', (i) => i.providerRefundId, 'id'],
  ['statement_line', (i) => i.statementLine],
  ['currency', (i) => i.currency],
  ['statement_amount', (i) => yuan(i.statementAmountMinor)],
  ['ledger_amount', (i) => yuan(i.ledgerAmountMinor)],
  ['amount_at_stake', (i) => yuan(i.amountMinor)],
  ['clearing_delta', (i) => yuan(i.clearingDeltaMinor)],
  ['statement_fee', (i) => yuan(i.statementFeeMinor)],
  ['expected_fee', (i) => yuan(i.expectedFeeMinor)],
  ['statement_status', (i) => i.statementStatus],
  ['ledger_status', (i) => i.ledgerStatus],
  ['statement_at', (i) => i.statementAt],
  ['ledger_at', (i) => i.ledgerAt],
  ['payment_id', (i) => i.ledgerPaymentId, 'id'],
  ['refund_id', (i) => i.ledgerRefundId, 'id'],
  ['age_days', (i) => i.ageDays],
  ['age_bucket', (i) => (i.status === 'OPEN' ? i.ageBucket : null)],
  ['resolution', (i) => i.resolution],
  ['resolution_note', (i) => i.resolutionNote],
  ['resolved_by', (i) => i.resolvedBy],
  ['resolved_at', (i) => i.resolvedAt],
  ['adjustment_entry_id', (i) => i.adjustmentEntryId, 'id'],
  ['detail', (i) => i.detail],
];

const NUMBER = /^-?\d+(\.\d+)?$/;
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell: neutralised, ids kept as text, quoted when it must be. */
export function csvCell(value: string | number | bigint | Date | null, id = false): string {
  if (value === null) return '';
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (FORMULA_START.test(text) && !NUMBER.test(text)) text = `'${text}`;
  if (id) text = `${text}\t`;
  return /[",\r\n\t]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (item: ItemView): string =>
  `${COLUMNS.map(([, value, id]) => csvCell(value(item), id === 'id')).join(',')}\r\n`;

async function* reportLines(queries: ReconQueries, runId: string): AsyncGenerator<string> {
  yield `\uFEFF${COLUMNS.map(([h]) => h).join(',')}\r\n`;
  let after: (string | number)[] | null = null;
  for (;;) {
    const items = await queries.items({ runId }, { first: PAGE, after }, new Date());
    for (const item of items.slice(0, PAGE)) yield csvLine(item);
    const last = items[PAGE - 1];
    if (items.length <= PAGE || last === undefined) return;
    after = [last.billDate, last.id];
  }
}

async function viewerOf(header: string | undefined, tokens: TokenVerifier): Promise<Viewer | null> {
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) return null;
  return tokens.verify(match[1]).catch(() => null);
}

export function reportRoutes(
  app: FastifyInstance,
  deps: { queries: ReconQueries; tokens: TokenVerifier },
): void {
  app.get<{ Params: { file: string } }>('/reports/reconciliation/:file', async (request, reply) => {
    const viewer = await viewerOf(request.headers.authorization, deps.tokens);
    if (viewer === null) return reply.code(401).send({ code: 'UNAUTHENTICATED' });
    if (!isRole(viewer.role) || (viewer.role !== Role.FINANCE && viewer.role !== Role.ADMIN))
      return reply.code(403).send({ code: 'FORBIDDEN' });
    const runId = /^(.+)\.csv$/.exec(request.params.file)?.[1];
    const run = runId === undefined ? null : await deps.queries.run(runId);
    if (run === null) return reply.code(404).send({ code: 'RUN_NOT_FOUND' });
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header(
        'content-disposition',
        `attachment; filename="reconciliation-${run.provider}-${run.billDate}-${run.id}.csv"`,
      )
      .header('cache-control', 'no-store')
      .send(Readable.from(reportLines(deps.queries, run.id)));
  });
}
