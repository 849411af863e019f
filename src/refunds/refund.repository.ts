import {
  selectList,
  sqlOn,
  sqlOnPool,
  toBigint,
  toDate,
  type EntityManager,
  type Orm,
  type Sql,
  type SqlRow,
} from '../db/index.js';
import {
  PAYMENT_FACTS_COLUMNS,
  REFUND_COLUMNS,
  refundColumns,
  toRefundView,
  type PaymentFacts,
  type RefundRow,
} from './refund.mapping.js';
import type { RefundEventView, RefundFilter, RefundScope, RefundView } from './refund.model.js';
import type { PaymentContext } from './refund.rules.js';
import type { RefundEvent } from './refund.entity.js';

/** What a request reads before it writes (`refund_request_contexts`). */
export interface ContextQuery {
  readonly scope: string;
  readonly key: string;
  readonly paymentId: string | null;
  readonly orderId: string | null;
}

export type RequestContext = PaymentContext & { existingId: string | null; orderPayments: string | null };

type RefundEventRow = SqlRow<
  RefundEvent,
  'id' | 'refund' | 'fromStatus' | 'toStatus' | 'source' | 'actorId' | 'actorRole' | 'detail' | 'occurredAt'
>;
const REFUND_EVENT_COLUMNS = selectList<keyof RefundEventRow>({
  id: 'id',
  refund: 'refund_id',
  fromStatus: 'from_status',
  toStatus: 'to_status',
  source: 'source',
  actorId: 'actor_id',
  actorRole: 'actor_role',
  detail: 'detail',
  occurredAt: 'occurred_at',
});

/** `refund_request_contexts`' columns under the names of `RequestContext`. */
const CONTEXT_COLUMNS = `idx, existing_id as "existingId", order_payments::text as "orderPayments", id,
  order_id as "order", merchant_id as "merchantId", rider_id as "riderId", channel, currency`;

const REFUND_WITH_PAYMENT = `select ${refundColumns('r.')}, ${PAYMENT_FACTS_COLUMNS}
  from refund r cross join lateral payment_provider_facts(r.payment_id) f where r.id = $1`;

/** The refund module's reads: rows by id, by key, filtered lists, events, the command's pre-reads. */
export class RefundRepository {
  constructor(private readonly orm: Orm) {}

  async row(refundId: string): Promise<RefundRow | null> {
    return (await this.rowOn(sqlOnPool(this.orm), refundId)) ?? null;
  }

  /** The same, on the caller's connection (inside its transaction when it has one). */
  async rowOn(sql: Sql, refundId: string): Promise<RefundRow | undefined> {
    const [row] = await sql.prepared<RefundRow>(`select ${REFUND_COLUMNS} from refund where id = $1`, [
      refundId,
    ]);
    return row;
  }

  async viewOn(sql: Sql, refundId: string): Promise<RefundView | undefined> {
    const row = await this.rowOn(sql, refundId);
    return row && toRefundView(row);
  }

  async get(refundId: string): Promise<RefundView | null> {
    const row = await this.row(refundId);
    return row ? toRefundView(row) : null;
  }

  async findByKey(scope: string, key: string): Promise<RefundRow | undefined> {
    const [row] = await sqlOnPool(this.orm).prepared<RefundRow>(
      `select ${REFUND_COLUMNS} from refund where idempotency_scope = $1 and idempotency_key = $2`,
      [scope, key],
    );
    return row;
  }

  /**
   * A refund with what the provider needs of its payment (the payments module's
   * `payment_provider_facts`), on the caller's connection, or on the pool without one.
   */
  async withPaymentFacts(
    refundId: string,
    em?: EntityManager,
  ): Promise<(RefundRow & PaymentFacts) | undefined> {
    const sql = em ? sqlOn(em) : sqlOnPool(this.orm);
    const [row] = await sql.prepared<RefundRow & PaymentFacts>(REFUND_WITH_PAYMENT, [refundId]);
    return row;
  }

  /** What remains refundable on a payment (the payments module's `payment_refundable`), to explain a refusal. */
  async refundable(paymentId: string): Promise<bigint | null> {
    const [row] = await sqlOnPool(this.orm).rows<{ remaining: string | null }>(
      `select payment_refundable($1) as remaining`,
      [paymentId],
    );
    return row?.remaining == null ? null : toBigint(row.remaining);
  }

  /** The pre-reads of several requests in one statement (`refund_request_contexts`), in their order. */
  async contexts(items: readonly ContextQuery[]): Promise<(RequestContext | undefined)[]> {
    const rows = await sqlOnPool(this.orm).prepared<RequestContext & { idx: number }>(
      `select ${CONTEXT_COLUMNS} from refund_request_contexts($1::jsonb)`,
      [JSON.stringify(items)],
    );
    return inRequestOrder(items, rows);
  }

  /**
   * The same pre-reads, and in the same statement (one round trip) another module's set-returning call
   * (risk's figures of the requests' customers, its parameters numbered from `$2`), whose rows come
   * back as JSON objects.
   */
  async contextsAlongside(
    items: readonly ContextQuery[],
    alongside: { call(first: number): string; readonly params: readonly unknown[] },
  ): Promise<{ contexts: (RequestContext | undefined)[]; rows: object[] }> {
    const [row] = await sqlOnPool(this.orm).prepared<{
      contexts: (RequestContext & { idx: number })[];
      rows: object[];
    }>(
      `select (select coalesce(json_agg(c), '[]') from (select ${CONTEXT_COLUMNS} from refund_request_contexts($1::jsonb)) as c) as contexts,
              (select coalesce(json_agg(a), '[]') from ${alongside.call(2)} as a) as rows`,
      [JSON.stringify(items), ...alongside.params],
    );
    return { contexts: inRequestOrder(items, row!.contexts), rows: row!.rows };
  }

  /** Newest first; keyset pagination on (created_at, id). */
  async list(
    filter: RefundFilter,
    scope: RefundScope,
    limit: number,
    after: { createdAt: string; id: string } | null,
  ): Promise<RefundView[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (scope.kind === 'CUSTOMER') add('customer_id = ?', scope.id);
    if (scope.kind === 'MERCHANT') add('merchant_id = ?', scope.id);
    if (filter.status) add('status = ?', filter.status);
    if (filter.channel) add('channel = ?', filter.channel);
    if (filter.paymentId) add('payment_id = ?', filter.paymentId);
    if (filter.orderId) add('order_id = ?', filter.orderId);
    if (filter.customerId) add('customer_id = ?', filter.customerId);
    if (filter.merchantId) add('merchant_id = ?', filter.merchantId);
    if (filter.createdFrom) add('created_at >= ?', filter.createdFrom);
    if (filter.createdTo) add('created_at < ?', filter.createdTo);
    if (after) {
      params.push(after.createdAt, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(limit);
    const rows = await sqlOnPool(this.orm).rows<RefundRow>(
      `select ${REFUND_COLUMNS} from refund ${where.length ? `where ${where.join(' and ')}` : ''}
        order by created_at desc, id desc limit $${params.length}`,
      params,
    );
    return rows.map(toRefundView);
  }

  /** Refunds not final yet, by status and channel (an index range: status leads an index). */
  async openCounts(): Promise<{ status: string; channel: string; count: number }[]> {
    return sqlOnPool(this.orm).rows<{ status: string; channel: string; count: number }>(
      `select status, channel, count(*)::int as count from refund
        where status in ('PENDING', 'PROCESSING', 'ABNORMAL') group by status, channel`,
      [],
    );
  }

  async events(refundId: string, limit: number): Promise<RefundEventView[]> {
    const rows = await sqlOnPool(this.orm).rows<RefundEventRow>(
      `select ${REFUND_EVENT_COLUMNS} from refund_event where refund_id = $1 order by id limit $2`,
      [refundId, limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      refundId: r.refund,
      fromStatus: r.fromStatus ?? null,
      toStatus: r.toStatus,
      source: r.source,
      actorId: r.actorId,
      actorRole: r.actorRole,
      detail: r.detail ?? null,
      occurredAt: toDate(r.occurredAt),
    }));
  }
}

/** Pre-read rows (numbered by `idx`) in the order of the requests; none for a request nothing matched. */
function inRequestOrder(
  items: readonly ContextQuery[],
  rows: readonly (RequestContext & { idx: number })[],
): (RequestContext | undefined)[] {
  const byIndex = new Map(rows.map((row) => [row.idx, row]));
  return items.map((_, i) => byIndex.get(i));
}
