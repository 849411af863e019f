import { recordAudit, type Actor } from '../audit/index.js';
import {
  inTransaction,
  newId,
  sqlOn,
  toBigint,
  toDate,
  type EntityManager,
  type Orm,
  type Sql,
  type SqlPart,
  type SqlRow,
  selectList,
  sqlOnPool,
} from '../db/index.js';
import { InputError } from '../errors/index.js';
import { paymentCaptured, type LedgerService } from '../ledger/index.js';
import { money, type Money } from '../money/index.js';
import type { Channel } from '../providers/index.js';
import type { Order } from './order.entity.js';
import type { Payment } from './payment.entity.js';
import { PaymentsError, translatePaymentRefusal } from './payments.errors.js';
import type {
  DeliveryStatus,
  OrderView,
  PaymentView,
  RecordPaymentInput,
  ReportOrderInput,
} from './payments.model.js';

export type OrderRow = SqlRow<
  Order,
  | 'id'
  | 'customerId'
  | 'merchantId'
  | 'riderId'
  | 'totalMinor'
  | 'currency'
  | 'promisedAt'
  | 'deliveredAt'
  | 'deliveryStatus'
  | 'statusChangedAt'
  | 'refundStatus'
  | 'paymentChannel'
  | 'outTradeNo'
  | 'createdAt'
  | 'updatedAt'
>;

const ORDER_COLUMN_MAP: Readonly<Record<keyof OrderRow, string>> = {
  id: 'id',
  customerId: 'customer_id',
  merchantId: 'merchant_id',
  riderId: 'rider_id',
  totalMinor: 'total_minor',
  currency: 'currency',
  promisedAt: 'promised_at',
  deliveredAt: 'delivered_at',
  deliveryStatus: 'delivery_status',
  statusChangedAt: 'status_changed_at',
  refundStatus: 'refund_status',
  paymentChannel: 'payment_channel',
  outTradeNo: 'out_trade_no',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

/** The columns of `OrderRow`, under the entity's property names. */
export const ORDER_COLUMNS = selectList(ORDER_COLUMN_MAP);

export type PaymentRow = SqlRow<
  Payment,
  | 'id'
  | 'order'
  | 'customerId'
  | 'merchantId'
  | 'channel'
  | 'outTradeNo'
  | 'providerTransactionId'
  | 'amountMinor'
  | 'currency'
  | 'commissionMinor'
  | 'riderId'
  | 'riderMinor'
  | 'reservedMinor'
  | 'refundedMinor'
  | 'refundCount'
  | 'source'
  | 'capturedAt'
  | 'createdAt'
>;

/** `PaymentRow`'s properties and their columns. */
const PAYMENT_COLUMN_MAP: Readonly<Record<keyof PaymentRow, string>> = {
  id: 'id',
  order: 'order_id',
  customerId: 'customer_id',
  merchantId: 'merchant_id',
  channel: 'channel',
  outTradeNo: 'out_trade_no',
  providerTransactionId: 'provider_transaction_id',
  amountMinor: 'amount_minor',
  currency: 'currency',
  commissionMinor: 'commission_minor',
  riderId: 'rider_id',
  riderMinor: 'rider_minor',
  reservedMinor: 'reserved_minor',
  refundedMinor: 'refunded_minor',
  refundCount: 'refund_count',
  source: 'source',
  capturedAt: 'captured_at',
  createdAt: 'created_at',
};

/** The columns of `PaymentRow`, under the entity's property names. */
const PAYMENT_COLUMNS = selectList(PAYMENT_COLUMN_MAP);

const PAYMENT_PROPERTIES = Object.keys(PAYMENT_COLUMN_MAP) as (keyof PaymentRow)[];

/** The payment of a joined row (`JSON_PAYMENT_COLUMNS`), or null where the order has none. */
function joinedPayment(row: Readonly<Record<string, unknown>>): PaymentRow | null {
  if (row['p_id'] === null) return null;
  return Object.fromEntries(PAYMENT_PROPERTIES.map((k) => [k, row[`p_${k}`]])) as unknown as PaymentRow;
}

/** A column map for reading inside JSON: minor units as text (a JSON number loses digits past 2^53). */
function minorUnitsAsText(columns: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(columns).map(([property, column]) => [
      property,
      column.endsWith('_minor') ? `${column}::text` : column,
    ]),
  );
}

/** `ORDER_COLUMNS` for reading inside JSON. */
const ORDER_JSON_COLUMNS = selectList(minorUnitsAsText(ORDER_COLUMN_MAP));
/** A payment's columns of `p` beside an order's, each property prefixed `p_`, for reading inside JSON. */
const JSON_PAYMENT_COLUMNS = selectList(
  Object.fromEntries(
    Object.entries(minorUnitsAsText(PAYMENT_COLUMN_MAP)).map(([property, column]) => [
      `p_${property}`,
      column,
    ]),
  ),
  'p.',
);

/**
 * `ordersWithPayments` as a part of a caller's statement (the case reports' one pre-read statement):
 * the orders `$<first>` (text[]) with their payments (oldest first, at most 100 each) as one JSON value,
 * read back in the given order, null for an unknown order.
 */
export function ordersWithPaymentsPart(orderIds: readonly string[]): SqlPart<(OrderWithPayments | null)[]> {
  return {
    sql: (first) =>
      `(select coalesce(json_agg(r order by r.q_n, r."p_createdAt", r."p_id"), '[]')
          from (select q.n::int as q_n, o.*, ${JSON_PAYMENT_COLUMNS}
                  from unnest($${first}::text[]) with ordinality as q(id, n)
                  join lateral (select ${ORDER_JSON_COLUMNS} from food_order where id = q.id) o on true
                  left join lateral (select * from payment p where p.order_id = o.id
                                      order by p.created_at, p.id limit 100) p on true) r)`,
    params: [orderIds],
    read: (value) => {
      const found = new Map<number, OrderWithPayments>();
      for (const { q_n: n, ...row } of value as (OrderRow & Record<string, unknown> & { q_n: number })[]) {
        let entry = found.get(n);
        if (!entry) {
          entry = { order: toOrderView(row), payments: [] };
          found.set(n, entry);
        }
        const payment = joinedPayment(row);
        if (payment) entry.payments.push(toPaymentView(payment));
      }
      return orderIds.map((_, i) => found.get(i + 1) ?? null);
    },
  };
}

/** An order with its payments (`orderWithPayments`). */
export interface OrderWithPayments {
  readonly order: OrderView;
  readonly payments: PaymentView[];
}

export interface RecordPaymentResult {
  readonly payment: PaymentView;
  readonly replayed: boolean;
}

/** Orders and captured payments, as reported by the order system or a provider's payment notify. */
export class PaymentsService {
  constructor(
    private readonly orm: Orm,
    private readonly ledger: LedgerService,
  ) {}

  /**
   * Idempotent upsert from the order system. Identity fields (customer, merchant, total) never change;
   * delivery status follows the newest report (older ones, delivered late, are ignored).
   */
  async reportOrder(input: ReportOrderInput, actor: Actor): Promise<OrderView> {
    return inTransaction(this.orm, async (em) => {
      const sql = sqlOn(em);
      const [inserted] = await sql.rows<OrderRow>(
        `insert into food_order (id, customer_id, merchant_id, rider_id, total_minor, currency, promised_at,
                                 delivery_status, status_changed_at, delivered_at, payment_channel, out_trade_no)
         values ($1, $2, $3, $4, $5, $6, $7, $8::varchar, $9::timestamptz, case when $8::varchar = 'DELIVERED' then $9::timestamptz end, $10, $11)
         on conflict (id) do nothing
         returning ${ORDER_COLUMNS}`,
        [
          input.id,
          input.customerId,
          input.merchantId,
          input.riderId ?? null,
          input.total.amountMinor.toString(),
          input.total.currency,
          input.promisedAt ?? null,
          input.deliveryStatus,
          input.statusChangedAt,
          input.paymentChannel ?? null,
          input.outTradeNo ?? null,
        ],
      );
      if (inserted) {
        await recordAudit(sql, {
          actor,
          action: 'order.reported',
          subjectType: 'order',
          subjectId: input.id,
          after: { ...input },
        });
        return toOrderView(inserted);
      }
      const existing = await this.lockOrder(sql, input.id);
      assertSameOrder(existing, input);
      const updated = await this.applyDeliveryStatus(
        sql,
        existing,
        input.deliveryStatus,
        input.statusChangedAt,
        actor,
        {
          riderId: input.riderId ?? null,
          promisedAt: input.promisedAt ?? null,
        },
      );
      return toOrderView(updated);
    });
  }

  async updateDeliveryStatus(
    orderId: string,
    status: DeliveryStatus,
    changedAt: Date,
    actor: Actor,
    riderId?: string | null,
  ): Promise<OrderView> {
    return inTransaction(this.orm, async (em) => {
      const sql = sqlOn(em);
      const existing = await this.lockOrder(sql, orderId);
      return toOrderView(
        await this.applyDeliveryStatus(sql, existing, status, changedAt, actor, { riderId: riderId ?? null }),
      );
    });
  }

  /**
   * Records a captured payment and posts "payment captured" to the ledger, once per (channel,
   * out_trade_no) whichever path reports it first; the other path replays. A conflicting report (other
   * amount or order) is refused.
   */
  async recordPayment(
    input: RecordPaymentInput,
    actor: Actor,
    source: 'SERVICE' | 'NOTIFY',
  ): Promise<RecordPaymentResult> {
    return inTransaction(this.orm, (em) => this.recordPaymentIn(em, input, actor, source));
  }

  async recordPaymentIn(
    em: EntityManager,
    input: RecordPaymentInput,
    actor: Actor,
    source: 'SERVICE' | 'NOTIFY',
  ): Promise<RecordPaymentResult> {
    const sql = sqlOn(em);
    const order = await this.findOrder(sql, input.orderId);
    if (!order) throw new PaymentsError('ORDER_NOT_FOUND', `order ${input.orderId} is unknown`);
    if (order.currency !== input.amount.currency) {
      throw new PaymentsError('CURRENCY_MISMATCH', `the order is in ${order.currency}`);
    }
    if (input.payerAccount !== undefined && !/^[\x21-\x7e]{1,128}$/.test(input.payerAccount)) {
      throw new InputError('payerAccount must be 1–128 printable characters', 'payerAccount');
    }
    const commission = input.commission?.amountMinor ?? 0n;
    const riderShare = input.rider?.amount.amountMinor ?? 0n;
    if (commission < 0n || riderShare < 0n || commission + riderShare > input.amount.amountMinor) {
      throw new PaymentsError('INVALID_SPLIT', 'commission and rider share must not exceed the payment');
    }
    const [row] = await this.insertPayment(sql, order, input, source, commission, riderShare);
    if (!row) return { payment: await this.replayPayment(sql, input), replayed: true };
    await this.ledger.post(
      paymentCaptured({
        paymentId: row.id,
        provider: providerName(input.channel),
        merchantId: order.merchantId,
        amount: input.amount,
        ...(input.commission ? { commission: input.commission } : {}),
        ...(input.rider ? { rider: input.rider } : {}),
      }),
      { em },
    );
    await recordAudit(sql, {
      actor,
      action: 'payment.recorded',
      subjectType: 'payment',
      subjectId: row.id,
      after: { ...input, source },
    });
    return { payment: toPaymentView(row), replayed: false };
  }

  /**
   * The payment row, or none when this (channel, out_trade_no) is recorded already. The database
   * refuses a payment its order contradicts (payment_matches_order): translated to a coded error.
   */
  private async insertPayment(
    sql: Sql,
    order: OrderRow,
    input: RecordPaymentInput,
    source: 'SERVICE' | 'NOTIFY',
    commission: bigint,
    riderShare: bigint,
  ): Promise<PaymentRow[]> {
    return sql
      .rows<PaymentRow>(
        `insert into payment (id, order_id, customer_id, merchant_id, channel, out_trade_no, provider_transaction_id,
                            amount_minor, currency, commission_minor, rider_id, rider_minor, source, captured_at,
                            payer_account)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       on conflict (channel, out_trade_no) do nothing
       returning ${PAYMENT_COLUMNS}`,
        [
          newId('pm'),
          order.id,
          order.customerId,
          order.merchantId,
          input.channel,
          input.outTradeNo,
          input.providerTransactionId ?? null,
          input.amount.amountMinor.toString(),
          input.amount.currency,
          commission.toString(),
          input.rider?.riderId ?? null,
          riderShare.toString(),
          source,
          input.capturedAt,
          input.payerAccount ?? null,
        ],
      )
      .catch((error: unknown) => {
        throw translatePaymentRefusal(error);
      });
  }

  /**
   * An order with its payments (oldest first, at most 100) in one round trip: what a case report
   * reads (`getOrder` and `paymentsOfOrder` at once). Null for an unknown order.
   */
  async orderWithPayments(orderId: string): Promise<OrderWithPayments | null> {
    const [found] = await this.ordersWithPayments([orderId]);
    return found!;
  }

  /**
   * `orderWithPayments` for several orders in one statement (the case reports that arrive together),
   * answered in the given order.
   */
  async ordersWithPayments(orderIds: readonly string[]): Promise<(OrderWithPayments | null)[]> {
    const part = ordersWithPaymentsPart(orderIds);
    // Prepared: read on every case report (planned once per connection).
    const [row] = await sqlOnPool(this.orm).prepared<{ v: unknown }>(`select ${part.sql(1)} as v`, [
      ...part.params,
    ]);
    return part.read(row!.v);
  }

  async getOrder(orderId: string): Promise<OrderView | null> {
    const row = await this.findOrder(sqlOnPool(this.orm), orderId);
    return row ? toOrderView(row) : null;
  }

  async findOrderByOutTradeNo(channel: Channel, outTradeNo: string): Promise<OrderView | null> {
    const [row] = await sqlOnPool(this.orm).rows<OrderRow>(
      `select ${ORDER_COLUMNS} from food_order where payment_channel = $1 and out_trade_no = $2`,
      [channel, outTradeNo],
    );
    return row ? toOrderView(row) : null;
  }

  async getPayment(paymentId: string): Promise<PaymentView | null> {
    const [row] = await sqlOnPool(this.orm).rows<PaymentRow>(
      `select ${PAYMENT_COLUMNS} from payment where id = $1`,
      [paymentId],
    );
    return row ? toPaymentView(row) : null;
  }

  async findPaymentByOutTradeNo(channel: Channel, outTradeNo: string): Promise<PaymentView | null> {
    const [row] = await sqlOnPool(this.orm).rows<PaymentRow>(
      `select ${PAYMENT_COLUMNS} from payment where channel = $1 and out_trade_no = $2`,
      [channel, outTradeNo],
    );
    return row ? toPaymentView(row) : null;
  }

  async paymentsOfOrder(orderId: string, limit = 100): Promise<PaymentView[]> {
    // Prepared: read on every case report and decision (planned once per connection).
    const rows = await sqlOnPool(this.orm).prepared<PaymentRow>(
      `select ${PAYMENT_COLUMNS} from payment where order_id = $1 order by created_at, id limit $2`,
      [orderId, limit],
    );
    return rows.map(toPaymentView);
  }

  private async replayPayment(sql: Sql, input: RecordPaymentInput): Promise<PaymentView> {
    const [existing] = await sql.rows<PaymentRow>(
      `select ${PAYMENT_COLUMNS} from payment where channel = $1 and out_trade_no = $2`,
      [input.channel, input.outTradeNo],
    );
    if (!existing) throw new Error('payment vanished after a conflicting insert');
    if (
      existing.order !== input.orderId ||
      toBigint(existing.amountMinor) !== input.amount.amountMinor ||
      existing.currency !== input.amount.currency
    ) {
      throw new PaymentsError(
        'PAYMENT_CONFLICT',
        `out_trade_no ${input.outTradeNo} was already recorded with other details`,
        {
          paymentId: existing.id,
        },
      );
    }
    if (existing.providerTransactionId == null && input.providerTransactionId) {
      await sql.rows(`update payment set provider_transaction_id = $2 where id = $1`, [
        existing.id,
        input.providerTransactionId,
      ]);
      existing.providerTransactionId = input.providerTransactionId;
    }
    return toPaymentView(existing);
  }

  private async findOrder(sql: Sql, orderId: string): Promise<OrderRow | undefined> {
    // Prepared: read on every case report (planned once per connection).
    const [row] = await sql.prepared<OrderRow>(`select ${ORDER_COLUMNS} from food_order where id = $1`, [
      orderId,
    ]);
    return row;
  }

  private async lockOrder(sql: Sql, orderId: string): Promise<OrderRow> {
    const [row] = await sql.rows<OrderRow>(
      `select ${ORDER_COLUMNS} from food_order where id = $1 for update`,
      [orderId],
    );
    if (!row) throw new PaymentsError('ORDER_NOT_FOUND', `order ${orderId} is unknown`);
    return row;
  }

  private async applyDeliveryStatus(
    sql: Sql,
    existing: OrderRow,
    status: DeliveryStatus,
    changedAt: Date,
    actor: Actor,
    extra: { riderId: string | null; promisedAt?: Date | null },
  ): Promise<OrderRow> {
    if (toDate(existing.statusChangedAt).getTime() > changedAt.getTime()) return existing; // a late, older report
    const [updated] = await sql.rows<OrderRow>(
      `update food_order
          set delivery_status = $2::varchar, status_changed_at = $3::timestamptz,
              delivered_at = case when $2::varchar = 'DELIVERED' then coalesce(delivered_at, $3::timestamptz) else delivered_at end,
              rider_id = coalesce($4, rider_id), promised_at = coalesce($5, promised_at), updated_at = now()
        where id = $1
        returning ${ORDER_COLUMNS}`,
      [existing.id, status, changedAt, extra.riderId, extra.promisedAt ?? null],
    );
    if (existing.deliveryStatus !== status) {
      await recordAudit(sql, {
        actor,
        action: 'order.delivery_status_changed',
        subjectType: 'order',
        subjectId: existing.id,
        before: { deliveryStatus: existing.deliveryStatus },
        after: { deliveryStatus: status, changedAt },
      });
    }
    return updated!;
  }
}

export function providerName(channel: Channel): 'wechatpay' | 'alipay' {
  return channel === 'WECHAT_PAY' ? 'wechatpay' : 'alipay';
}

function assertSameOrder(existing: OrderRow, input: ReportOrderInput): void {
  const same =
    existing.customerId === input.customerId &&
    existing.merchantId === input.merchantId &&
    toBigint(existing.totalMinor) === input.total.amountMinor &&
    existing.currency === input.total.currency &&
    (input.outTradeNo === undefined || input.outTradeNo === null || existing.outTradeNo === input.outTradeNo);
  if (!same) {
    throw new PaymentsError(
      'ORDER_CONFLICT',
      `order ${input.id} was already reported with other customer, merchant, total or payment`,
    );
  }
}

export function toOrderView(row: OrderRow): OrderView {
  return {
    id: row.id,
    customerId: row.customerId,
    merchantId: row.merchantId,
    riderId: row.riderId ?? null,
    total: money(toBigint(row.totalMinor), row.currency),
    promisedAt: row.promisedAt ? toDate(row.promisedAt) : null,
    deliveredAt: row.deliveredAt ? toDate(row.deliveredAt) : null,
    deliveryStatus: row.deliveryStatus,
    refundStatus: row.refundStatus,
    paymentChannel: row.paymentChannel ?? null,
    outTradeNo: row.outTradeNo ?? null,
    createdAt: toDate(row.createdAt),
    updatedAt: toDate(row.updatedAt),
  };
}

export function toPaymentView(row: PaymentRow): PaymentView {
  const m = (v: string): Money => money(toBigint(v), row.currency);
  const amount = toBigint(row.amountMinor);
  const reserved = toBigint(row.reservedMinor);
  return {
    id: row.id,
    orderId: row.order,
    customerId: row.customerId,
    merchantId: row.merchantId,
    channel: row.channel,
    outTradeNo: row.outTradeNo,
    providerTransactionId: row.providerTransactionId ?? null,
    amount: m(row.amountMinor),
    commission: m(row.commissionMinor),
    riderId: row.riderId ?? null,
    riderShare: m(row.riderMinor),
    reserved: m(row.reservedMinor),
    refunded: m(row.refundedMinor),
    refundable: money(amount - reserved, row.currency),
    refundCount: Number(row.refundCount),
    source: row.source,
    capturedAt: toDate(row.capturedAt),
    createdAt: toDate(row.createdAt),
  };
}
