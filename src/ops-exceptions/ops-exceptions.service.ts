import { recordAudit, type Actor } from '../audit/index.js';
import type { FilterQuery } from '@mikro-orm/core';
import { inTransaction, newId, sqlOn, type EntityManager, type Orm, type Sql } from '../db/index.js';
import { OpsExceptionSchema, type OpsException } from './ops-exception.entity.js';
import { OpsExceptionsError } from './ops-exceptions.errors.js';
import type { ExceptionFilter, OpsExceptionView, RaisedException } from './ops-exceptions.model.js';

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

  /**
   * Newest first; `limit` rows at most, after the given exception id (ids are time-ordered). A cold
   * path: the entity manager's query, on a fork of its own.
   */
  async list(filter: ExceptionFilter, limit: number, after: string | null): Promise<OpsExceptionView[]> {
    const where: FilterQuery<OpsException> = {};
    if (filter.resolved === true) where.resolvedAt = { $ne: null };
    if (filter.resolved === false) where.resolvedAt = null;
    if (filter.kind) where.kind = filter.kind;
    if (filter.severity) where.severity = filter.severity;
    if (after !== null) where.id = { $lt: after };
    const found = await this.orm.em
      .fork()
      .find(OpsExceptionSchema, where, { orderBy: { id: 'desc' }, limit, disableIdentityMap: true });
    return found.map(toExceptionView);
  }

  async get(id: string): Promise<OpsExceptionView | null> {
    const found = await this.orm.em.fork().findOne(OpsExceptionSchema, { id }, { disableIdentityMap: true });
    return found ? toExceptionView(found) : null;
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
      const [updated] = await sql.rows<{ id: string }>(
        `update ops_exception set resolved_at = now(), resolved_by = $2, resolution = $3
          where id = $1 and resolved_at is null
          returning id`,
        [id, actor.id.slice(0, 128), text],
      );
      if (!updated) throw await notResolvable(sql, id);
      const row = await em.findOneOrFail(OpsExceptionSchema, { id });
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

function toExceptionView(row: OpsException): OpsExceptionView {
  const detail = row.detail;
  return {
    id: row.id,
    kind: row.kind,
    severity: row.severity,
    channel: row.channel ?? null,
    referenceType: row.referenceType,
    referenceId: row.referenceId,
    reason: typeof detail.reason === 'string' ? detail.reason : '',
    notifyId: typeof detail.notifyId === 'string' ? detail.notifyId : null,
    figures: Array.isArray(detail.figures) ? detail.figures : [],
    createdAt: row.createdAt,
    resolvedAt: row.resolvedAt ?? null,
    resolvedBy: row.resolvedBy ?? null,
    resolution: row.resolution ?? null,
  };
}
