/**
 * A reconciliation run of one provider's bill date: fetch (or take a file), store the raw file, load
 * its rows (COPY), match them against the ledger, and commit the run, its discrepancies and the
 * TIMING items it closes in ONE transaction on the run's own connection, under an advisory lock per
 * (provider, date). A failure rolls everything back and records a FAILED attempt: never a partial run.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import pg from 'pg';
import { recordAudit, type Actor } from '../src/audit/index.js';
import { newId, sqlOnPool, type Orm, type Sql } from '../src/db/index.js';
import { accountCodes, type LedgerService } from '../src/ledger/index.js';
import { errorBrief, type Logger } from '../src/logging/index.js';
import type { PaymentsService } from '../src/payments/index.js';
import type { RefundService } from '../src/refunds/index.js';
import {
  parseStatementFile,
  ProviderError,
  StatementFormatError,
  type ProviderRegistry,
  type StatementFormat,
} from '../src/providers/index.js';
import { ReconError } from './recon.errors.js';
import { Matcher, TIMING_TO_CLOSE, type MatchTotals } from './recon.matcher.js';
import { channelOf, isBillDate, shanghaiDay, type ReconProvider, type RunTrigger } from './recon.model.js';
import { ReconQueries } from './recon.queries.js';
import { resolveItem, type Resolution } from './recon.resolve.js';
import {
  createStaging,
  dropStaging,
  loadRows,
  noFigures,
  recordFileRows,
  stagingTable,
  storeFile,
  type FileInput,
  type StatementFigures,
} from './recon.store.js';

/** The session's buffers for temporary tables (the staged rows: about 150 MB a million rows). */
const TEMP_BUFFERS = '256MB';

export interface ReconSettings {
  readonly feeRateBps: Readonly<Record<ReconProvider, number>>;
  readonly timingWindowMs: number;
}

export type ReconPhase = 'download' | 'store' | 'load' | 'match' | 'commit';

export interface ReconcileRequest {
  readonly provider: ReconProvider;
  readonly billDate: string;
  readonly trigger: RunTrigger;
  readonly actor: Actor;
  /** A statement file supplied by finance instead of downloading it. */
  readonly filePath?: string | undefined;
  readonly onProgress?: (phase: ReconPhase, rows: number) => void;
  /** Diagnostics: the plans of the match's queries (EXPLAIN ANALYZE, so the match runs twice). */
  readonly onPlan?: (plan: string) => void;
}

export type ReconcileOutcome =
  | { readonly status: 'NOT_READY' }
  | {
      readonly status: 'COMPLETED' | 'EMPTY';
      readonly runId: string;
      readonly discrepancies: number;
      readonly unresolved: number;
    };

export interface ReconDeps {
  readonly orm: Orm;
  readonly payments: PaymentsService;
  readonly refunds: RefundService;
  /** The run uses a connection of its own (COPY, cursors, one long transaction). */
  readonly databaseUrl: string;
  readonly providers: ProviderRegistry;
  readonly ledger: LedgerService;
  readonly settings: ReconSettings;
  readonly logger: Logger;
}

const clientSql = (client: pg.Client): Sql => {
  const rows = async <R>(text: string, params: readonly unknown[] = []): Promise<R[]> =>
    (await client.query(text, [...params])).rows as R[];
  return { rows, prepared: rows };
};

export class ReconciliationService {
  private readonly log: Logger;
  readonly queries: ReconQueries;
  constructor(private readonly deps: ReconDeps) {
    this.log = deps.logger.child({ component: 'reconciliation' });
    this.queries = new ReconQueries(deps.orm);
  }

  /** Finance's decision on an open discrepancy (see recon.resolve.ts). */
  async resolve(itemId: string, resolution: Resolution, actor: Actor): Promise<void> {
    await resolveItem(this.deps, itemId, resolution, actor);
  }

  async reconcile(request: ReconcileRequest): Promise<ReconcileOutcome> {
    if (!isBillDate(request.billDate))
      throw new ReconError('INVALID_BILL_DATE', `bill date must be YYYY-MM-DD, got '${request.billDate}'`);
    const startedAt = new Date();
    try {
      const file = request.filePath === undefined ? await this.download(request) : await fromPath(request);
      if (file === 'NOT_READY') return { status: 'NOT_READY' };
      return await this.runOnce(request, file, startedAt);
    } catch (error) {
      const corrupt = error instanceof ProviderError && error.code === 'STATEMENT_CORRUPT';
      if (!corrupt) throw error;
      const line = error instanceof StatementFormatError ? error.line : null;
      await this.recordFailure(request, startedAt, error.message, line);
      throw new ReconError('STATEMENT_CORRUPT', error.message, { line });
    }
  }

  /** null: the provider has no statement for the day (recorded as an EMPTY run). */
  private async download(request: ReconcileRequest): Promise<FileInput | null | 'NOT_READY'> {
    const channel = channelOf(request.provider);
    if (!this.deps.providers.has(channel))
      throw new ReconError('PROVIDER_NOT_CONFIGURED', `no ${request.provider} adapter is configured`);
    request.onProgress?.('download', 0);
    let got;
    try {
      got = await this.deps.providers.get(channel).downloadStatement(request.billDate);
    } catch (error) {
      if (error instanceof ProviderError && error.code !== 'STATEMENT_CORRUPT')
        throw new ReconError('PROVIDER_UNAVAILABLE', `${request.provider} bill download: ${error.message}`);
      throw error;
    }
    if (got.status === 'NOT_READY') return 'NOT_READY';
    if (got.status === 'NO_STATEMENT') return null;
    const raw = got.raw;
    return {
      provider: request.provider,
      billDate: request.billDate,
      format: got.format,
      fileName: got.fileName,
      source: 'DOWNLOAD',
      bytes: () => [raw],
    };
  }

  private async runOnce(
    request: ReconcileRequest,
    file: FileInput | null,
    startedAt: Date,
  ): Promise<ReconcileOutcome> {
    const client = new pg.Client({
      connectionString: this.deps.databaseUrl,
      application_name: 'takeout-refunds-recon',
      // Room for the run's temporary tables in the session's own buffers (allocated as they fill, freed
      // with the connection): the default 8 MB sends a million staged rows (~150 MB) out to files and
      // every scan of them back through the kernel. Set before the session's first temporary table.
      options: `-c temp_buffers=${TEMP_BUFFERS}`,
    });
    // A session the server ends (a restart, 57P01) outside a statement, or as the run ends it, must
    // not end the process as an unhandled 'error' event: the statement in flight rejects on its own.
    client.on('error', (error) =>
      this.log.warn({ error: errorBrief(error) }, 'reconciliation connection lost'),
    );
    await client.connect();
    try {
      await client.query('begin');
      const outcome = await this.inTransaction(client, request, file, startedAt);
      await client.query('commit');
      this.log.info(
        { provider: request.provider, billDate: request.billDate, ...outcome },
        'reconciliation run committed',
      );
      return outcome;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async inTransaction(
    client: pg.Client,
    request: ReconcileRequest,
    file: FileInput | null,
    startedAt: Date,
  ): Promise<ReconcileOutcome> {
    const { provider, billDate } = request;
    const progress = request.onProgress ?? (() => undefined);
    // One run of a (provider, date) at a time, across every worker and CLI.
    await client.query(`select pg_advisory_xact_lock(hashtextextended($1, 0))`, [
      `recon:${provider}:${billDate}`,
    ]);
    const runId = newId('rcr');
    const staged = stagingTable(runId);
    const { fileId, figures, duplicateCandidates } = await stage(client, staged, file, progress);
    // Plan the cursors for all their rows (the default plans for the first 10%: nested loops).
    await client.query('set local cursor_tuple_fraction = 1.0');
    // Room for the duplicate check's hash aggregate over a file's keys (not a sort spilled to disk).
    await client.query(`set local work_mem = '64MB'`);
    const superseded = await client.query<{ id: string }>(
      `update recon_run set superseded_at = now(), superseded_by = $3
        where provider = $1 and bill_date = $2 and status <> 'FAILED' and superseded_at is null returning id`,
      [provider, billDate, runId],
    );
    await client.query(
      `insert into recon_run (id, provider, bill_date, status, file_id, trigger, requested_by, started_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        runId,
        provider,
        billDate,
        file === null ? 'EMPTY' : 'COMPLETED',
        fileId,
        request.trigger,
        request.actor.id,
        startedAt,
      ],
    );
    const day = shanghaiDay(billDate);
    const ledger = await ledgerFigures(client, provider, day);
    const totals = await new Matcher(
      client,
      {
        runId,
        provider,
        billDate,
        staged,
        duplicateCandidates,
        dayStart: day.start,
        dayEnd: day.end,
        feeRateBps: this.deps.settings.feeRateBps[provider],
        timingWindowMs: this.deps.settings.timingWindowMs,
        ledgerPaymentCount: ledger.paymentCount,
        ledgerRefundCount: ledger.refundCount,
      },
      (n) => progress('match', n),
      request.onPlan,
    ).run(figures);
    await dropStaging(client, staged);
    progress('commit', totals.statementRows);
    await this.writeFigures(client, runId, provider, day, totals, ledger);
    const closed = await closeTiming(client, runId, provider, billDate, totals);
    const previous = superseded.rows[0]?.id;
    if (previous !== undefined) await carryResolutions(client, previous, runId);
    const unresolved = await client.query<{ n: string }>(
      `select count(*) as n from recon_item where run_id = $1 and status = 'OPEN'`,
      [runId],
    );
    await recordAudit(clientSql(client), {
      actor: request.actor,
      action: 'recon.run',
      subjectType: 'recon_run',
      subjectId: runId,
      before: previous === undefined ? null : { supersededRun: previous },
      after: {
        provider,
        billDate,
        fileId,
        trigger: request.trigger,
        discrepancies: totals.discrepancies,
        timingClosed: closed,
      },
    });
    return {
      status: file === null ? 'EMPTY' : 'COMPLETED',
      runId,
      discrepancies: totals.discrepancies,
      unresolved: Number(unresolved.rows[0]?.n ?? 0),
    };
  }

  private async writeFigures(
    client: pg.Client,
    runId: string,
    provider: ReconProvider,
    day: { start: Date; end: Date },
    t: MatchTotals,
    l: LedgerFigures,
  ): Promise<void> {
    const clearing = await this.deps.ledger.activityOf(
      accountCodes.providerClearing(provider),
      'CNY',
      day.start,
      day.end,
    );
    await client.query(
      `update recon_run set statement_rows = $2, statement_payment_count = $3, statement_payment_minor = $4,
              statement_refund_count = $5, statement_refund_minor = $6, statement_fee_minor = $7,
              ledger_payment_count = $8, ledger_payment_minor = $9, ledger_refund_count = $10, ledger_refund_minor = $11,
              matched_count = $12, matched_minor = $13, timing_closed_count = $14,
              clearing_opening_minor = $15, clearing_debit_minor = $16, clearing_credit_minor = $17,
              clearing_closing_minor = $18, finished_at = now()
        where id = $1`,
      [
        runId,
        t.statementRows,
        t.statementPaymentCount,
        t.statementPaymentMinor,
        t.statementRefundCount,
        t.statementRefundMinor,
        t.statementFeeMinor,
        l.paymentCount,
        l.paymentMinor,
        l.refundCount,
        l.refundMinor,
        t.matchedCount,
        t.matchedMinor,
        t.timingClosed.keys.length,
        clearing.openingMinor,
        clearing.debitMinor,
        clearing.creditMinor,
        clearing.closingMinor,
      ],
    );
  }

  private async recordFailure(
    request: ReconcileRequest,
    startedAt: Date,
    message: string,
    line: number | null,
  ): Promise<void> {
    this.log.warn(
      { provider: request.provider, billDate: request.billDate, line, err: message },
      'reconciliation run failed',
    );
    await sqlOnPool(this.deps.orm).rows(
      `insert into recon_run (id, provider, bill_date, status, trigger, requested_by, error_code, error_message, error_line, started_at)
       values ($1, $2, $3, 'FAILED', $4, $5, 'STATEMENT_CORRUPT', $6, $7, $8)`,
      [
        newId('rcr'),
        request.provider,
        request.billDate,
        request.trigger,
        request.actor.id,
        message.slice(0, 500),
        line,
        startedAt,
      ],
    );
  }
}

/**
 * Stores the file (once) and stages its rows in the run's table, parsed again by every run: the staged
 * rows live as long as the run. Without a file the table stays empty (only the ledger side matches).
 */
async function stage(
  client: pg.Client,
  staged: string,
  file: FileInput | null,
  progress: (phase: ReconPhase, rows: number) => void,
): Promise<{ fileId: string | null; figures: StatementFigures; duplicateCandidates: readonly number[] }> {
  await createStaging(client, staged);
  if (file === null) return { fileId: null, figures: noFigures(), duplicateCandidates: [] };
  progress('store', 0);
  const stored = await storeFile(client, file);
  const parse = parseStatementFile(file.format, file.bytes());
  const loaded = await loadRows(client, staged, file.provider, parse, (n) => progress('load', n));
  if (stored.created) await recordFileRows(client, stored.id, loaded);
  // Statistics of the rows just staged, so that the match is planned for their number: of the
  // columns it joins and groups on only.
  await client.query(`analyze ${staged} (kind, match_key, out_trade_no, refund_no)`);
  return { fileId: stored.id, figures: loaded.figures, duplicateCandidates: loaded.duplicateCandidates };
}

interface LedgerFigures {
  readonly paymentCount: number;
  readonly paymentMinor: string;
  readonly refundCount: number;
  readonly refundMinor: string;
}

/**
 * What moved the provider's clearing on the day by the ledger (payments captured, refunds succeeded),
 * in one pass over each table, before the match: the matcher compares the counts with the items the
 * statement named.
 */
async function ledgerFigures(
  client: pg.Client,
  provider: ReconProvider,
  day: { start: Date; end: Date },
): Promise<LedgerFigures> {
  const r = await client.query<Record<string, string>>(
    `select p.n as pc, p.minor as pm, r.n as rc, r.minor as rm
       from (select count(*) as n, coalesce(sum(amount_minor), 0) as minor from payment
              where channel = $1 and captured_at >= $2 and captured_at < $3) p,
            (select count(*) as n, coalesce(sum(amount_minor), 0) as minor from refund
              where channel = $1 and status = 'SUCCEEDED' and finalized_at >= $2 and finalized_at < $3) r`,
    [channelOf(provider), day.start, day.end],
  );
  const l = r.rows[0]!;
  return {
    paymentCount: Number(l['pc']),
    paymentMinor: l['pm']!,
    refundCount: Number(l['rc']),
    refundMinor: l['rm']!,
  };
}

/** TIMING items of earlier days that this run matched are closed, by the system, with this run's id. */
async function closeTiming(
  client: pg.Client,
  runId: string,
  provider: ReconProvider,
  billDate: string,
  t: MatchTotals,
): Promise<number> {
  if (t.timingClosed.keys.length === 0) return 0;
  const r = await client.query(
    `update recon_item i
        set status = 'AUTO_CLOSED', resolution = 'AUTO', resolved_by = 'system:reconciliation', resolved_role = 'SYSTEM',
            resolved_at = now(), closed_by_run = $1,
            resolution_note = 'matched by the run of ' || $3::text
       from recon_run r
      where r.id = i.run_id and r.superseded_at is null and r.status <> 'FAILED' and ${TIMING_TO_CLOSE}
        and (i.kind, i.match_key) in (select * from unnest($4::text[], $5::text[]))`,
    [runId, provider, billDate, t.timingClosed.kinds, t.timingClosed.keys],
  );
  return r.rowCount ?? 0;
}

/** A re-run keeps what finance already decided about the very same differences. */
async function carryResolutions(client: pg.Client, previousRunId: string, runId: string): Promise<void> {
  await client.query(
    `update recon_item n
        set status = o.status, resolution = o.resolution, resolution_note = o.resolution_note, resolved_by = o.resolved_by,
            resolved_role = o.resolved_role, resolved_at = o.resolved_at, adjustment_entry_id = o.adjustment_entry_id,
            linked_type = o.linked_type, linked_id = o.linked_id, closed_by_run = o.closed_by_run
       from recon_item o
      where n.run_id = $2 and o.run_id = $1 and o.status <> 'OPEN' and o.category = n.category and o.kind = n.kind
        and o.match_key = n.match_key and o.amount_minor = n.amount_minor
        and coalesce(o.statement_line, -1) = coalesce(n.statement_line, -1)`,
    [previousRunId, runId],
  );
}

async function fromPath(request: ReconcileRequest): Promise<FileInput> {
  const path = request.filePath!;
  const head = Buffer.alloc(2);
  const handle = await open(path, 'r').catch(() => {
    throw new ReconError('STATEMENT_CORRUPT', `cannot read ${basename(path)}`);
  });
  try {
    await handle.read(head, 0, 2, 0);
  } finally {
    await handle.close();
  }
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const format: StatementFormat =
    request.provider === 'alipay'
      ? 'ALIPAY_TRADE_ZIP'
      : gzip
        ? 'WECHATPAY_TRADEBILL_GZIP'
        : 'WECHATPAY_TRADEBILL_CSV';
  return {
    provider: request.provider,
    billDate: request.billDate,
    format,
    fileName: basename(path),
    source: 'UPLOAD',
    bytes: () => createReadStream(path, { highWaterMark: 1 << 16 }),
  };
}
