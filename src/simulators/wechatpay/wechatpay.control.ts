/**
 * The WeChat simulator's `/__control` API (JSON, loopback only) and a typed client for it. Routes
 * mirror the in-process `WechatPaySimulator` handle one-to-one.
 */
import { z } from 'zod';
import {
  createControlClient,
  createControlRouter,
  ControlError,
  type ControlRouter,
  type FaultRule,
  type FaultRuleInput,
  type FaultFiring,
} from '../shared/index.js';
import type { StatementEdit } from './wechatpay.bills.js';
import type { CreatePaymentInput, WechatPaySimulator } from './wechatpay.simulator.js';
import type { DeliveryAttempt, NotifyDelivery } from './wechatpay.notifier.js';
import type {
  RefundLifecycle,
  RefundStatus,
  RequestRecord,
  SimPayment,
  SimRefund,
} from './wechatpay.types.js';

const status = z.enum(['PROCESSING', 'SUCCESS', 'ABNORMAL', 'CLOSED']);
const paymentInput = z.object({
  outTradeNo: z.string().min(1),
  amountFen: z.number().int().positive(),
  notifyUrl: z.string().url().optional(),
  successTime: z.string().optional(),
  transactionId: z.string().optional(),
  description: z.string().optional(),
  sendNotify: z.boolean().optional(),
});
const faultRule = z.object({
  endpoint: z.string(),
  id: z.string().optional(),
  calls: z.union([z.array(z.number().int().positive()), z.literal('every')]).optional(),
  times: z.union([z.number().positive(), z.literal('unlimited')]).optional(),
  fault: z.object({ kind: z.string() }).passthrough(),
});
const lifecycle = z.union([
  z.object({ mode: z.literal('immediate'), outcome: z.enum(['SUCCESS', 'ABNORMAL', 'CLOSED']).optional() }),
  z.object({
    mode: z.literal('auto'),
    afterMs: z.number().nonnegative(),
    outcome: z.enum(['SUCCESS', 'ABNORMAL', 'CLOSED']).optional(),
  }),
  z.object({ mode: z.literal('manual') }),
]);

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new ControlError(404, `${what} not found`);
  return value;
}

export function mountWechatPayControl(sim: WechatPaySimulator): ControlRouter {
  return createControlRouter()
    .add('POST', '/payments', ({ body }) => sim.createPayment(paymentInput.parse(body)))
    .add('GET', '/payments/:outTradeNo', ({ params }) =>
      need(sim.getPayment(params['outTradeNo'] ?? ''), 'payment'),
    )
    .add('POST', '/payments/:outTradeNo/notify', ({ params, body }) =>
      sim.sendPaymentNotify(
        params['outTradeNo'] ?? '',
        z.object({ notifyUrl: z.string().optional() }).optional().parse(body)?.notifyUrl,
      ),
    )
    .add('GET', '/refunds', () => sim.listRefunds())
    .add('GET', '/refunds/:outRefundNo', ({ params }) => {
      const no = params['outRefundNo'] ?? '';
      return {
        refund: sim.getRefund(no) ?? null,
        created: sim.refundsCreated(no),
        requests: sim.refundRequests(no),
      };
    })
    .add('POST', '/refunds/:outRefundNo/status', ({ params, body }) =>
      sim.forceRefundStatus(params['outRefundNo'] ?? '', z.object({ status }).parse(body).status),
    )
    .add('PUT', '/lifecycle', ({ body }) => sim.setRefundLifecycle(lifecycle.parse(body)))
    .add('POST', '/faults', ({ body }) => sim.addFault(faultRule.parse(body) as unknown as FaultRuleInput))
    .add('DELETE', '/faults', () => sim.clearFaults())
    .add('GET', '/faults/history', () => sim.faultHistory())
    .add('GET', '/requests', ({ query }) => sim.requests(query.get('endpoint') ?? undefined))
    .add('GET', '/notifies', () => sim.notifyDeliveries())
    .add('POST', '/notifies/:deliveryId/replay', ({ params }) => sim.replayNotify(params['deliveryId'] ?? ''))
    .add('POST', '/notifies/hold', () => sim.holdNotifies())
    .add('POST', '/notifies/release', ({ body }) =>
      sim.releaseNotifies(
        z
          .object({ order: z.enum(['fifo', 'reverse']).optional() })
          .optional()
          .parse(body)?.order,
      ),
    )
    .add('POST', '/statements/:billDate/edits', ({ params, body }) =>
      sim.editStatement(
        params['billDate'] ?? '',
        z.object({ op: z.string() }).passthrough().parse(body) as unknown as StatementEdit,
      ),
    )
    .add('PUT', '/statements/:billDate/ready-at', ({ params, body }) =>
      sim.setBillReadyTime(params['billDate'] ?? '', new Date(z.object({ at: z.string() }).parse(body).at)),
    )
    .add('DELETE', '/statements/:billDate', ({ params }) => sim.resetStatement(params['billDate'] ?? ''))
    .add('GET', '/clock', () => ({ now: sim.clock.now().toISOString() }))
    .add('POST', '/clock/advance', ({ body }) => {
      sim.clock.advance(z.object({ ms: z.number() }).parse(body).ms);
      return { now: sim.clock.now().toISOString() };
    })
    .add('PUT', '/clock', ({ body }) => {
      sim.clock.set(new Date(z.object({ now: z.string() }).parse(body).now));
      return { now: sim.clock.now().toISOString() };
    });
}

/** JSON shapes as they come over the wire (dates become ISO strings). */
type Wire<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

export interface WechatPayControlClient {
  createPayment(
    input: Omit<CreatePaymentInput, 'successTime'> & { successTime?: string },
  ): Promise<Wire<SimPayment>>;
  sendPaymentNotify(outTradeNo: string, notifyUrl?: string): Promise<Wire<NotifyDelivery>>;
  getRefund(
    outRefundNo: string,
  ): Promise<{ refund: Wire<SimRefund> | null; created: number; requests: number }>;
  listRefunds(): Promise<Wire<SimRefund>[]>;
  forceRefundStatus(outRefundNo: string, status: RefundStatus): Promise<Wire<SimRefund>>;
  setRefundLifecycle(lifecycle: RefundLifecycle): Promise<void>;
  addFault(rule: FaultRuleInput): Promise<Wire<FaultRule>>;
  clearFaults(): Promise<void>;
  faultHistory(): Promise<Wire<FaultFiring>[]>;
  requests(endpoint?: string): Promise<Wire<RequestRecord>[]>;
  notifyDeliveries(): Promise<Wire<NotifyDelivery>[]>;
  replayNotify(deliveryId: string): Promise<Wire<DeliveryAttempt>>;
  holdNotifies(): Promise<void>;
  releaseNotifies(order?: 'fifo' | 'reverse'): Promise<void>;
  editStatement(billDate: string, edit: StatementEdit): Promise<void>;
  setBillReadyTime(billDate: string, at: Date): Promise<void>;
  resetStatement(billDate: string): Promise<void>;
  now(): Promise<Date>;
  advanceClock(ms: number): Promise<Date>;
  setClock(now: Date): Promise<Date>;
}

export function createWechatPayControlClient(baseUrl: string): WechatPayControlClient {
  const c = createControlClient(baseUrl);
  const enc = encodeURIComponent;
  const toDate = (r: { now: string }): Date => new Date(r.now);
  return {
    createPayment: (input) => c.call('POST', '/payments', input),
    sendPaymentNotify: (no, notifyUrl) =>
      c.call('POST', `/payments/${enc(no)}/notify`, notifyUrl ? { notifyUrl } : {}),
    getRefund: (no) => c.call('GET', `/refunds/${enc(no)}`),
    listRefunds: () => c.call('GET', '/refunds'),
    forceRefundStatus: (no, s) => c.call('POST', `/refunds/${enc(no)}/status`, { status: s }),
    setRefundLifecycle: async (l) => void (await c.call('PUT', '/lifecycle', l)),
    addFault: (rule) => c.call('POST', '/faults', rule),
    clearFaults: async () => void (await c.call('DELETE', '/faults')),
    faultHistory: () => c.call('GET', '/faults/history'),
    requests: (endpoint) => c.call('GET', `/requests${endpoint ? `?endpoint=${enc(endpoint)}` : ''}`),
    notifyDeliveries: () => c.call('GET', '/notifies'),
    replayNotify: (id) => c.call('POST', `/notifies/${enc(id)}/replay`),
    holdNotifies: async () => void (await c.call('POST', '/notifies/hold')),
    releaseNotifies: async (order) =>
      void (await c.call('POST', '/notifies/release', order ? { order } : {})),
    editStatement: async (date, edit) => void (await c.call('POST', `/statements/${enc(date)}/edits`, edit)),
    setBillReadyTime: async (date, at) =>
      void (await c.call('PUT', `/statements/${enc(date)}/ready-at`, { at: at.toISOString() })),
    resetStatement: async (date) => void (await c.call('DELETE', `/statements/${enc(date)}`)),
    now: async () => toDate(await c.call('GET', '/clock')),
    advanceClock: async (ms) => toDate(await c.call('POST', '/clock/advance', { ms })),
    setClock: async (now) => toDate(await c.call('PUT', '/clock', { now: now.toISOString() })),
  };
}
