/**
 * JSON control API (`/__control/...`, loopback only via listenLoopback) mirroring the typed handle,
 * for the standalone simulators process and for tools that do not share our process.
 */
import {
  ControlError,
  createControlRouter,
  type ControlRouter,
  type FaultRuleInput,
} from '../shared/index.js';
import type { AlipaySimulator, CreatePaymentInput } from './alipay.simulator.js';
import type { StatementEdit } from './alipay-statement.js';

function body<T>(value: unknown): T {
  if (!value || typeof value !== 'object') throw new ControlError(400, 'JSON object body required');
  return value as T;
}

function param(params: Readonly<Record<string, string>>, name: string): string {
  const v = params[name];
  if (v === undefined) throw new ControlError(400, `missing ${name}`);
  return v;
}

function dateOf(value: unknown, name: string): Date {
  const d = new Date(typeof value === 'string' || typeof value === 'number' ? value : NaN);
  if (Number.isNaN(d.getTime())) throw new ControlError(400, `${name} must be an ISO date`);
  return d;
}

export function mountAlipayControl(sim: AlipaySimulator): ControlRouter {
  const router = createControlRouter();
  router
    .add('POST', '/payments', ({ body: b }) => sim.createPayment(body<CreatePaymentInput>(b)))
    .add('GET', '/payments/:outTradeNo', ({ params }) => {
      const t = sim.getTrade(param(params, 'outTradeNo'));
      if (!t) throw new ControlError(404, 'no such trade');
      return t;
    })
    .add('POST', '/payments/:outTradeNo/state', ({ params, body: b }) =>
      sim.setTradeState(
        param(params, 'outTradeNo'),
        body<{ status?: 'TRADE_FINISHED' | 'TRADE_CLOSED'; frozen?: boolean }>(b),
      ),
    )
    .add('POST', '/payments/:outTradeNo/notify', ({ params }) =>
      sim.sendPaymentNotify(param(params, 'outTradeNo')),
    )
    .add('GET', '/refunds', () => sim.refunds())
    .add('POST', '/refunds/:outTradeNo/:outRequestNo/complete', ({ params }) =>
      sim.completeRefund(param(params, 'outTradeNo'), param(params, 'outRequestNo')),
    )
    .add('GET', '/refunds/:outRequestNo/fund-movements', ({ params }) => ({
      fundMovements: sim.fundMovements(param(params, 'outRequestNo')),
    }))
    .add('GET', '/requests', ({ query }) => sim.requests(query.get('method') ?? undefined))
    .add('POST', '/faults', ({ body: b }) => sim.faults.add(body<FaultRuleInput>(b)))
    .add('GET', '/faults', () => ({ rules: sim.faults.list(), history: sim.faults.history() }))
    .add('DELETE', '/faults', () => sim.faults.clear())
    .add('GET', '/notifies', () => sim.notifies())
    .add('POST', '/notifies/:notifyId/replay', async ({ params }) => {
      const attempt = await sim.replayNotify(param(params, 'notifyId'));
      if (!attempt) throw new ControlError(404, 'no such notify');
      return attempt;
    })
    .add('PUT', '/bills/:day/edit', ({ params, body: b }) =>
      sim.editStatement(param(params, 'day'), body<StatementEdit>(b)),
    )
    .add('DELETE', '/bills/:day/edit', ({ params }) => sim.clearStatementEdits(param(params, 'day')))
    .add('PUT', '/bills/:day/ready-at', ({ params, body: b }) =>
      sim.setBillReadyAt(param(params, 'day'), dateOf(body<{ readyAt: unknown }>(b).readyAt, 'readyAt')),
    )
    .add('GET', '/clock', () => ({ now: sim.clock.now() }))
    .add('POST', '/clock', ({ body: b }) => {
      const input = body<{ advanceMs?: number; set?: string }>(b);
      if (typeof input.advanceMs === 'number') sim.clock.advance(input.advanceMs);
      else if (input.set !== undefined) sim.clock.set(dateOf(input.set, 'set'));
      else throw new ControlError(400, 'advanceMs or set required');
      return { now: sim.clock.now() };
    });
  return router;
}
