import { randomUUID } from 'node:crypto';
import type { StartedAlipaySimulator } from '../../src/simulators/alipay/index.js';
import type { TestApp } from './app.js';

export const SERVICE = { role: 'SERVICE', sub: 'order-system' } as const;
export const SUPPORT = { role: 'SUPPORT', sub: 'agent_1' } as const;

export type TestChannel = 'WECHAT_PAY' | 'ALIPAY';

export interface PaidOrder {
  readonly orderId: string;
  readonly paymentId: string;
  readonly outTradeNo: string;
  readonly customerId: string;
  readonly merchantId: string;
  readonly amountFen: number;
}

const yuan = (fen: number): string => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
export { yuan };

/**
 * An order reported by the order system, paid at the provider's simulator, and recorded through
 * GraphQL — the state every refund test starts from.
 */
export async function newPaidOrder(
  t: TestApp,
  options: {
    channel: TestChannel;
    amountFen: number;
    customerId?: string;
    merchantId?: string;
    riderId?: string;
    /** Delivery as the order system reports it (default: DELIVERED now). */
    deliveryStatus?: string;
    statusChangedAt?: Date;
    promisedAt?: Date;
    /** false: the order is reported but never paid. */
    pay?: boolean;
  },
): Promise<PaidOrder> {
  const suffix = randomUUID().replaceAll('-', '').slice(0, 16);
  const orderId = `o_${suffix}`;
  const outTradeNo = `T${suffix}`;
  const customerId = options.customerId ?? `c_${suffix}`;
  const merchantId = options.merchantId ?? `m_${suffix.slice(0, 6)}`;
  const sims = t.app.simulators;
  if (!sims) throw new Error('start the app with simulators: true');
  const report = await t.gql(
    `mutation($input: ReportOrderInput!) { reportOrder(input: $input) { id } }`,
    {
      input: {
        id: orderId,
        customerId,
        merchantId,
        riderId: options.riderId ?? null,
        total: { amount: yuan(options.amountFen), currency: 'CNY' },
        deliveryStatus: options.deliveryStatus ?? 'DELIVERED',
        statusChangedAt: (options.statusChangedAt ?? new Date()).toISOString(),
        promisedAt: options.promisedAt?.toISOString() ?? null,
        paymentChannel: options.channel,
        outTradeNo,
      },
    },
    SERVICE,
  );
  if (report.errors) throw new Error(JSON.stringify(report.errors));
  if (options.pay === false) {
    return { orderId, paymentId: '', outTradeNo, customerId, merchantId, amountFen: options.amountFen };
  }
  let transactionId: string;
  if (options.channel === 'WECHAT_PAY') {
    transactionId = sims.wechatpay!.sim.createPayment({
      outTradeNo,
      amountFen: options.amountFen,
    }).transactionId;
  } else {
    const alipay = sims.all['alipay'] as StartedAlipaySimulator;
    transactionId = alipay.sim.createPayment({ outTradeNo, amountFen: options.amountFen }).tradeNo;
  }
  const recorded = await t.gql<{ recordPayment: { payment: { id: string } } }>(
    `mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { payment { id } replayed } }`,
    {
      input: {
        orderId,
        channel: options.channel,
        outTradeNo,
        providerTransactionId: transactionId,
        amount: { amount: yuan(options.amountFen), currency: 'CNY' },
        capturedAt: new Date().toISOString(),
      },
    },
    SERVICE,
  );
  if (recorded.errors) throw new Error(JSON.stringify(recorded.errors));
  return {
    orderId,
    paymentId: recorded.data!.recordPayment.payment.id,
    outTradeNo,
    customerId,
    merchantId,
    amountFen: options.amountFen,
  };
}

export const REFUND_FIELDS = `id status amount { amount minor currency } settledBy attempts lastErrorCode paymentId`;

export interface RefundShape {
  id: string;
  status: string;
  amount: { amount: string; minor: string; currency: string };
  settledBy: string | null;
  attempts: number;
  lastErrorCode: string | null;
  paymentId: string;
}

export async function requestRefund(
  t: TestApp,
  input: {
    idempotencyKey?: string;
    paymentId: string;
    amountFen: number;
    reason?: string;
    liableParty?: string;
  },
  caller: { role: string; sub: string } = SUPPORT,
) {
  return t.gql<{ requestRefund: { refund: RefundShape; replayed: boolean } }>(
    `mutation($input: RequestRefundInput!) { requestRefund(input: $input) { replayed refund { ${REFUND_FIELDS} } } }`,
    {
      input: {
        idempotencyKey: input.idempotencyKey ?? `key-${randomUUID()}`,
        paymentId: input.paymentId,
        amount: { amount: yuan(input.amountFen), currency: 'CNY' },
        reason: input.reason ?? 'food arrived cold',
        liableParty: input.liableParty ?? 'MERCHANT',
      },
    },
    caller as never,
  );
}

/** Polls the refund over GraphQL until `done` holds (real time, bounded). */
export async function waitForRefund(
  t: TestApp,
  refundId: string,
  done: (refund: RefundShape) => boolean,
  timeoutMs = 20_000,
): Promise<RefundShape> {
  const deadline = Date.now() + timeoutMs;
  let last: RefundShape | undefined;
  while (Date.now() < deadline) {
    const res = await t.gql<{ refund: RefundShape | null }>(
      `query($id: ID!) { refund(id: $id) { ${REFUND_FIELDS} } }`,
      { id: refundId },
      SUPPORT,
    );
    last = res.data?.refund ?? undefined;
    if (last && done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`refund ${refundId} did not reach the expected state; last: ${JSON.stringify(last)}`);
}

/** Ledger invariants that must hold after every money test. */
export async function ledgerInvariants(t: TestApp): Promise<{ unbalanced: unknown[]; drifted: unknown[] }> {
  const conn = t.app.orm.em.fork().getConnection();
  const unbalanced = await conn.execute(
    `select currency, sum(debits_minor) as d, sum(credits_minor) as c from ledger_account group by currency
     having sum(debits_minor) <> sum(credits_minor)`,
  );
  const drifted = await conn.execute(
    `select a.code, a.debits_minor, a.credits_minor, p.d, p.c from ledger_account a
       left join (select account_id, sum(amount_minor) filter (where direction = 'D') as d,
                         sum(amount_minor) filter (where direction = 'C') as c from posting group by account_id) p
         on p.account_id = a.id
      where a.debits_minor <> coalesce(p.d, 0) or a.credits_minor <> coalesce(p.c, 0)`,
  );
  return { unbalanced, drifted };
}
