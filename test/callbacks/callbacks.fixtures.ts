/** Shared wiring for the notify-callback tests: the whole app with both simulators, and SQL probes. */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { StartedAlipaySimulator } from '../../src/simulators/alipay/index.js';
import { loadOrCreateKeyPair } from '../../src/simulators/shared/index.js';
import type { StartedWechatPaySimulator } from '../../src/simulators/wechatpay/index.js';
import type { TestApp } from '../support/app.js';
import { ledgerInvariants, SERVICE, yuan, type TestChannel } from '../support/builders.js';

export const FINANCE = { role: 'FINANCE', sub: 'fin_1' } as const;

export const wechatOf = (t: TestApp): StartedWechatPaySimulator => t.app.simulators!.wechatpay!;
export const alipayOf = (t: TestApp): StartedAlipaySimulator =>
  t.app.simulators!.all['alipay'] as StartedAlipaySimulator;

export const notifyUrl = (t: TestApp, channel: TestChannel): string =>
  `${t.url}/notify/${channel === 'WECHAT_PAY' ? 'wechatpay' : 'alipay'}`;

export interface TestOrder {
  readonly orderId: string;
  readonly outTradeNo: string;
  readonly transactionId: string;
  readonly amountFen: number;
  paymentId: string | null;
}

/**
 * An order reported by the order system and paid at the simulator, whose notifies come to us. With
 * `record`, the order system also reports the payment (as in production, the faster path wins).
 */
export async function newOrder(
  t: TestApp,
  channel: TestChannel,
  options: { amountFen: number; providerAmountFen?: number; record?: boolean; sendNotify?: boolean },
): Promise<TestOrder> {
  const suffix = randomUUID().replaceAll('-', '').slice(0, 16);
  const orderId = `o_${suffix}`;
  const outTradeNo = `T${suffix}`;
  const report = await t.gql(
    `mutation($input: ReportOrderInput!) { reportOrder(input: $input) { id } }`,
    {
      input: {
        id: orderId,
        customerId: `c_${suffix}`,
        merchantId: `m_${suffix.slice(0, 6)}`,
        total: { amount: yuan(options.amountFen), currency: 'CNY' },
        deliveryStatus: 'DELIVERED',
        statusChangedAt: new Date().toISOString(),
        paymentChannel: channel,
        outTradeNo,
      },
    },
    SERVICE,
  );
  expect(report.errors).toBeUndefined();
  const paid = {
    outTradeNo,
    amountFen: options.providerAmountFen ?? options.amountFen,
    notifyUrl: notifyUrl(t, channel),
  };
  const transactionId =
    channel === 'WECHAT_PAY'
      ? wechatOf(t).sim.createPayment({ ...paid, sendNotify: options.sendNotify ?? false }).transactionId
      : alipayOf(t).sim.createPayment({ ...paid, sendNotify: options.sendNotify ?? false }).tradeNo;
  const order: TestOrder = {
    orderId,
    outTradeNo,
    transactionId,
    amountFen: options.amountFen,
    paymentId: null,
  };
  if (options.record) order.paymentId = await recordPayment(t, channel, order);
  return order;
}

async function recordPayment(t: TestApp, channel: TestChannel, order: TestOrder): Promise<string> {
  const res = await t.gql<{ recordPayment: { payment: { id: string } } }>(
    `mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { payment { id } } }`,
    {
      input: {
        orderId: order.orderId,
        channel,
        outTradeNo: order.outTradeNo,
        providerTransactionId: order.transactionId,
        amount: { amount: yuan(order.amountFen), currency: 'CNY' },
        capturedAt: new Date().toISOString(),
      },
    },
    SERVICE,
  );
  expect(res.errors).toBeUndefined();
  return res.data!.recordPayment.payment.id;
}

export async function rows<R = Record<string, unknown>>(
  t: TestApp,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  return t.app.orm.em.fork().getConnection().execute<R[]>(text, params);
}

export interface InboxRow {
  id: string;
  channel: string;
  notify_id: string;
  dedupe_key: string;
  status: string;
  deliveries: number;
  outcome: string | null;
  event: Record<string, unknown>;
}

export const inboxWhere = (t: TestApp, clause: string, params: unknown[]): Promise<InboxRow[]> =>
  rows<InboxRow>(t, `select * from provider_notification where ${clause} order by id`, params);

/** Inbox rows about one trade (payment and refund events both carry out_trade_no). */
export const inboxOf = (t: TestApp, outTradeNo: string): Promise<InboxRow[]> =>
  inboxWhere(t, `event->>'outTradeNo' = ? or event->>'description' like ?`, [outTradeNo, `%${outTradeNo}%`]);

/** What must not change twice: ledger entries and refund events per reference. */
export async function effects(t: TestApp, refs: { refundId?: string; paymentId?: string }) {
  const [entries] = await rows<{ refund: string; payment: string }>(
    t,
    `select count(*) filter (where reference_type = 'refund' and reference_id = ?) as refund,
            count(*) filter (where reference_type = 'payment' and reference_id = ?) as payment
       from journal_entry`,
    [refs.refundId ?? '', refs.paymentId ?? ''],
  );
  const [events] = await rows<{ n: string }>(
    t,
    `select count(*) as n from refund_event where refund_id = ?`,
    [refs.refundId ?? ''],
  );
  return {
    refundEntries: Number(entries!.refund),
    paymentEntries: Number(entries!.payment),
    refundEvents: Number(events!.n),
  };
}

export async function refundRow(t: TestApp, refundId: string) {
  const [row] = await rows<{ status: string; settled_by: string | null; provider_refund_id: string | null }>(
    t,
    `select status, settled_by, provider_refund_id from refund where id = ?`,
    [refundId],
  );
  return row;
}

export async function refundEventSources(t: TestApp, refundId: string): Promise<string[]> {
  const events = await rows<{ to_status: string; source: string }>(
    t,
    `select to_status, source from refund_event where refund_id = ? order by id`,
    [refundId],
  );
  return events.map((e) => `${e.to_status}:${e.source}`);
}

/** Polls until `check` returns a value (not undefined/false), within real time. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The inbox rows of a trade once there are `count` and none is RECEIVED any more. */
export const settledInbox = (t: TestApp, outTradeNo: string, count: number): Promise<InboxRow[]> =>
  eventually(async () => {
    const inbox = await inboxOf(t, outTradeNo);
    return inbox.length >= count && inbox.every((r) => r.status !== 'RECEIVED') ? inbox : undefined;
  }, `${count} processed inbox rows for ${outTradeNo}`);

/** Trial balance zero per currency, cached balances equal to postings. */
export async function assertLedgerSound(t: TestApp): Promise<void> {
  expect(await ledgerInvariants(t)).toEqual({ unbalanced: [], drifted: [] });
}

/**
 * The simulators' signing keys, from the data dir the test app gives them (see test/support/app.ts),
 * checked against what the running simulators publish so a moved dir fails loudly, not silently.
 */
export async function simulatorKeys(
  t: TestApp,
): Promise<{ wechatPlatformKeyPem: string; alipayPlatformKeyPem: string }> {
  const root = path.join(tmpdir(), `refunds-test-data-${process.pid}`, 'simulators');
  const wechat = await loadOrCreateKeyPair(path.join(root, 'wechatpay'), 'platform-public-key');
  const alipay = await loadOrCreateKeyPair(path.join(root, 'alipay'), 'alipay-platform');
  expect(wechat.publicKeyPem.trim()).toBe(wechatOf(t).platform.publicKeyPem.trim());
  expect(alipay.publicKeyPem.trim()).toBe(alipayOf(t).alipayPublicKeyPem.trim());
  return { wechatPlatformKeyPem: wechat.privateKeyPem, alipayPlatformKeyPem: alipay.privateKeyPem };
}

export async function requestRefundFor(t: TestApp, paymentId: string, amountFen: number): Promise<string> {
  const res = await t.gql<{ requestRefund: { refund: { id: string } } }>(
    `mutation($input: RequestRefundInput!) { requestRefund(input: $input) { refund { id } } }`,
    {
      input: {
        idempotencyKey: `key-${randomUUID()}`,
        paymentId,
        amount: { amount: yuan(amountFen), currency: 'CNY' },
        reason: 'soup spilled',
        liableParty: 'MERCHANT',
      },
    },
    { role: 'SUPPORT', sub: 'agent_1' },
  );
  expect(res.errors).toBeUndefined();
  return res.data!.requestRefund.refund.id;
}

export const OPS_EXCEPTIONS = `query($filter: OpsExceptionFilter, $first: Int, $after: String) {
  opsExceptions(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id kind severity channel referenceType referenceId reason notifyId resolved resolution
      figures { field ours theirs } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface OpsExceptionShape {
  id: string;
  kind: string;
  severity: string;
  channel: string | null;
  referenceType: string;
  referenceId: string;
  reason: string;
  notifyId: string | null;
  resolved: boolean;
  resolution: string | null;
  figures: { field: string; ours: string | null; theirs: string | null }[];
}

export async function exceptionsFor(t: TestApp, referenceId: string): Promise<OpsExceptionShape[]> {
  const res = await t.gql<{ opsExceptions: { edges: { node: OpsExceptionShape }[] } }>(
    OPS_EXCEPTIONS,
    { first: 100 },
    FINANCE,
  );
  expect(res.errors).toBeUndefined();
  return res.data!.opsExceptions.edges.map((e) => e.node).filter((n) => n.referenceId === referenceId);
}
