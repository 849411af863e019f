import { recordAudit, type Actor } from '../audit/index.js';
import {
  inTransaction,
  newId,
  sqlOn,
  sqlOnPool,
  toDate,
  type EntityManager,
  type Orm,
  type Sql,
} from '../db/index.js';
import type { Channel } from '../providers/index.js';
import { OpsExceptionsError } from './ops-exceptions.errors.js';
import type {
  ExceptionFigure,
  ExceptionFilter,
  ExceptionSeverity,
  OpsExceptionView,
  RaisedException,
} from './ops-exceptions.model.js';

interface ExceptionRow {
  id: string;
  kind: string;
  severity: ExceptionSeverity;
  channel: Channel | null;
  reference_type: string;
  reference_id: string;
  detail: { reason?: unknown; notifyId?: unknown; figures?: readonly ExceptionFigure[] } | null;
  created_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution: string | null;
}

/**
 * The operational exception queue (`ops_exception`, written only here): other modules raise entries
 * inside their own transactions; support and finance list and resolve them.
 */
export class OpsExceptionsService {
  constructor(private readonly orm: Orm) {}

  /** Adds an entry inside the caller's transaction, so it commits with whatever raised it. */
  async raiseIn(em: EntityManager, raised: RaisedException): Promise<string> {
    const id = newId('ox');
    await sqlOn(em).rows(
      `insert into ops_exception (id, kind, severity, channel, reference_type, reference_id, detail)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [
        id,
        raised.kind,
        raised.severity,
        raised.channel,
        raised.referenceType,
        raised.referenceId.slice(0, 64),
        JSON.stringify(raised.detail),
      ],
    );
    return id;
  }

  /** Newest first; `limit` rows at most, after the given exception id (ids are time-ordered). */
  async list(filter: ExceptionFilter, limit: number, after: string | null): Promise<OpsExceptionView[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown): void => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (filter.resolved === true) where.push('resolved_at is not null');
    if (filter.resolved === false) where.push('resolved_at is null');
    if (filter.kind) add('kind = ?', filter.kind);
    if (filter.severity) add('severity = ?', filter.severity);
    if (after !== null) add('id < ?', after);
    params.push(limit);
    const rows = await sqlOnPool(this.orm).rows<ExceptionRow>(
      `select * from ops_exception ${where.length ? `where ${where.join(' and ')}` : ''}
        order by id desc limit $${params.length}`,
      params,
    );
    return rows.map(toExceptionView);
  }

  async get(id: string): Promise<OpsExceptionView | null> {
    const [row] = await sqlOnPool(this.orm).rows<ExceptionRow>(`select * from ops_exception where id = $1`, [
      id,
    ]);
    return row ? toExceptionView(row) : null;
  }

  async resolve(id: string, resolution: string, actor: Actor): Promise<OpsExceptionView> {
    const text = resolution.trim();
    if (text.length === 0 || text.length > 500) {
      throw new OpsExceptionsError('INVALID_RESOLUTION', 'resolution must be 1–500 characters', {
        field: 'resolution',
      });
    }
    return inTransaction(this.orm, async (em) => {
      const sql = sqlOn(em);
      const [row] = await sql.rows<ExceptionRow>(
        `update ops_exception set resolved_at = now(), resolved_by = $2, resolution = $3
          where id = $1 and resolved_at is null
          returning *`,
        [id, actor.id.slice(0, 128), text],
      );
      if (!row) throw await notResolvable(sql, id);
      await recordAudit(sql, {
        actor,
        action: 'ops_exception.resolved',
        subjectType: 'ops_exception',
        subjectId: id,
        before: { resolved: false, kind: row.kind, severity: row.severity },
        after: { resolved: true, resolution: text },
      });
      return toExceptionView(row);
    });
  }
}

async function notResolvable(sql: Sql, id: string): Promise<OpsExceptionsError> {
  const [existing] = await sql.rows<{ id: string }>(`select id from ops_exception where id = $1`, [id]);
  return existing
    ? new OpsExceptionsError('EXCEPTION_ALREADY_RESOLVED', `exception ${id} is already resolved`)
    : new OpsExceptionsError('EXCEPTION_NOT_FOUND', `exception ${id} is unknown`);
}

function toExceptionView(row: ExceptionRow): OpsExceptionView {
  const detail = row.detail ?? {};
  return {
    id: row.id,
    kind: row.kind,
    severity: row.severity,
    channel: row.channel,
    referenceType: row.reference_type,
    referenceId: row.reference_id,
    reason: typeof detail.reason === 'string' ? detail.reason : '',
    notifyId: typeof detail.notifyId === 'string' ? detail.notifyId : null,
    figures: Array.isArray(detail.figures) ? detail.figures : [],
    createdAt: toDate(row.created_at),
    resolvedAt: row.resolved_at ? toDate(row.resolved_at) : null,
    resolvedBy: row.resolved_by,
    resolution: row.resolution,
  };
}
