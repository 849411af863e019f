import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorProviderEnv, startSimulators, type StartedSimulators } from '../../src/simulators/index.js';
import type { StartedAlipaySimulator } from '../../src/simulators/alipay/index.js';
import { startTestApp, TEST_JWT, type TestApp } from '../support/app.js';
import { ledgerInvariants, newPaidOrder, requestRefund, waitForRefund } from '../support/builders.js';

const MAIN = path.resolve('dist/src/main.js');

/**
 * Real worker processes (`node dist/src/main.js worker`) competing for jobs on one database, with the
 * api in this process and the simulators beside it: exactly-once submission across processes and
 * across a SIGKILL.
 */
describe('refund workers as separate processes', () => {
  let sims: StartedSimulators;
  let t: TestApp;
  let env: Record<string, string>;
  const children: ChildProcess[] = [];
  const wechat = () => sims.wechatpay!.sim;

  beforeAll(async () => {
    expect(existsSync(MAIN), 'run `npm run build` first (npm test does it)').toBe(true);
    sims = await startSimulators({
      dataDir: mkdtempSync(path.join(tmpdir(), 'refunds-workers-sim-')),
      wechatpay: { port: 0, refundLifecycle: { mode: 'immediate' } },
      others: { alipay: { port: 0 } },
    });
    const providerEnv = simulatorProviderEnv(sims);
    t = await startTestApp({ role: 'api', env: providerEnv });
    env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: t.databaseUrl,
      MIGRATE_ON_START: 'false',
      SIMULATORS: 'false',
      JWT_HS256_SECRET: TEST_JWT.secret,
      PROVIDER_TIMEOUT_MS: '3000',
      REFUND_LEASE_MS: '5000',
      REFUND_STALE_AFTER_MS: '1000',
      REFUND_SWEEP_INTERVAL_MS: '500',
      REFUND_FIRST_POLL_WECHATPAY_MS: '1000',
      REFUND_FIRST_POLL_ALIPAY_MS: '1000',
      ...providerEnv,
    };
    // The test app's own simulators are off; point the builders at these.
    Object.assign(t.app, { simulators: sims });
  }, 60_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await t.stop();
    await sims.close();
  });

  function startWorker(): Promise<ChildProcess> {
    const child = spawn(process.execPath, [MAIN, 'worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`worker not ready:\n${out}`)), 30_000);
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('"msg":"ready"')) {
          clearTimeout(timer);
          resolve(child);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('exit', (code) => reject(new Error(`worker exited (${code}):\n${out}`)));
    });
  }

  it('two workers on one database never submit a refund twice', async () => {
    const workers = await Promise.all([startWorker(), startWorker()]);
    const refunds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const paid = await newPaidOrder(t, { channel: i % 2 ? 'ALIPAY' : 'WECHAT_PAY', amountFen: 2_000 });
      for (let j = 0; j < 3; j++) {
        const res = await requestRefund(t, { paymentId: paid.paymentId, amountFen: 500 });
        refunds.push(res.data!.requestRefund.refund.id);
      }
    }
    const settled = [];
    for (const id of refunds)
      settled.push(await waitForRefund(t, id, (r) => r.status === 'SUCCEEDED', 30_000));
    const alipay = (sims.all['alipay'] as StartedAlipaySimulator).sim;
    for (const refund of settled) {
      const calls =
        wechat().refundRequests(refund.id) +
        alipay.requests('alipay.trade.refund').filter((r) => JSON.stringify(r).includes(refund.id)).length;
      // Every provider call is one claimed attempt (claims are exclusive), and the provider moved money once.
      expect(calls, `provider calls for ${refund.id}`).toBe(refund.attempts);
      const moved = wechat().refundsCreated(refund.id) + alipay.fundMovements(refund.id);
      expect(moved, `refunds created at the provider for ${refund.id}`).toBe(1);
    }
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(
      workers.map(
        (w) => new Promise((resolve) => (w.exitCode !== null ? resolve(null) : w.on('exit', resolve))),
      ),
    );
    expect(await ledgerInvariants(t)).toEqual({ unbalanced: [], drifted: [] });
  }, 90_000);

  it('a worker killed mid-submission is replaced and the refund happens exactly once', async () => {
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 3_000 });
    const refundId = (await requestRefund(t, { paymentId: paid.paymentId, amountFen: 3_000 })).data!
      .requestRefund.refund.id;
    // The provider applies the first submission but never answers it, and its notify is lost: only the
    // replacement worker's resubmission (same out_refund_no, answered from the provider's record) can
    // settle the refund. A plain delay let the notify settle it first on a loaded machine.
    wechat().addFault({
      endpoint: 'refund.create',
      id: refundId,
      calls: [1],
      fault: { kind: 'timeoutAfterApply', hangMs: 60_000 },
    });
    wechat().addFault({ endpoint: 'notify.deliver', id: refundId, calls: 'every', fault: { kind: 'drop' } });
    const first = await startWorker();
    const deadline = Date.now() + 15_000;
    while (wechat().refundRequests(refundId) === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(wechat().refundRequests(refundId)).toBe(1);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.on('exit', resolve));

    const second = await startWorker();
    const done = await waitForRefund(t, refundId, (r) => r.status === 'SUCCEEDED', 40_000);
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(wechat().refundsCreated(refundId)).toBe(1);
    second.kill('SIGTERM');
    expect(await ledgerInvariants(t)).toEqual({ unbalanced: [], drifted: [] });
  }, 90_000);
});
