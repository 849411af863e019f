/** Starts the Alipay simulator: keys (kept under its data dir), the simulator, its control API and HTTP server. */
import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  createSimClock,
  DEFAULT_SIMULATOR_DATA_DIR,
  listenLoopback,
  loadOrCreateKeyPair,
} from '../shared/index.js';
import { mountAlipayControl } from './alipay-control.js';
import type { GatewaySecurity } from './alipay-gateway.js';
import { handleV3 } from './alipay-v3.js';
import { AlipaySimulator, type AlipaySimulatorOptions } from './alipay.simulator.js';

export interface AlipayAppCredentials {
  readonly appId: string;
  /** PKCS1 PEM, what alipay-sdk expects by default. */
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

export interface StartedAlipaySimulator {
  readonly url: string;
  readonly port: number;
  readonly gatewayUrl: string;
  readonly app: AlipayAppCredentials;
  readonly alipayPublicKeyPem: string;
  readonly pid: string;
  readonly sim: AlipaySimulator;
  close(): Promise<void>;
}

function toPkcs1(pem: string): string {
  return createPrivateKey(pem).export({ type: 'pkcs1', format: 'pem' }).toString();
}

export async function startAlipaySimulator(
  options: AlipaySimulatorOptions = {},
): Promise<StartedAlipaySimulator> {
  const dataDir = join(options.dataDir ?? DEFAULT_SIMULATOR_DATA_DIR, 'alipay');
  const [app, platform, forgery] = await Promise.all([
    loadOrCreateKeyPair(dataDir, 'app'),
    loadOrCreateKeyPair(dataDir, 'alipay-platform'),
    loadOrCreateKeyPair(dataDir, 'forgery'),
  ]);
  const appId = options.appId ?? '2021000000000000';
  const pid = options.pid ?? '2088101117955611';
  const log = options.logger ?? pino({ name: 'alipay-simulator', level: 'warn' });
  const clock = options.clock ?? createSimClock();
  const security: GatewaySecurity = {
    appId,
    appPublicKeyPem: app.publicKeyPem,
    alipayPrivateKeyPem: platform.privateKeyPem,
    forgeryKeyPem: forgery.privateKeyPem,
    timestampToleranceMs:
      options.timestampToleranceMs === undefined ? 15 * 60_000 : options.timestampToleranceMs,
    timestampZone: options.timestampZone ?? 'local',
    escapeSlashes: options.escapeSlashes ?? true,
  };
  const sim = new AlipaySimulator(clock, { ...options, appId, pid }, security, log);
  const control = mountAlipayControl(sim);
  const server = await listenLoopback(
    async (req, res, incoming) => {
      if (await control.handle(req, res)) return;
      if (req.path.startsWith('/v3/') && (await handleV3(sim, req, res, incoming))) return;
      if (req.method === 'POST' && req.path === '/gateway.do') return sim.handleGateway(req, res, incoming);
      if (req.method === 'GET' && req.path === '/downloadBillFile.resource')
        return sim.handleBillDownload(req, res, incoming);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    },
    { port: options.port ?? 0, onError: (err) => log.error({ err }, 'alipay simulator handler failed') },
  );
  sim.baseUrl = server.url;
  log.info({ url: server.url, appId }, 'alipay simulator listening');
  return {
    url: server.url,
    port: server.port,
    gatewayUrl: `${server.url}/gateway.do`,
    app: { appId, privateKeyPem: toPkcs1(app.privateKeyPem), publicKeyPem: app.publicKeyPem },
    alipayPublicKeyPem: platform.publicKeyPem,
    pid,
    sim,
    async close() {
      sim.notifier.close();
      if (!options.clock) clock.dispose();
      await server.close();
    },
  };
}
