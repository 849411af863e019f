/** Starts the WeChat Pay simulator: keys (kept under its data dir), the simulator, its control API and HTTP server. */
import { mkdtempSync } from 'node:fs';
import { pino } from 'pino';
import { createSimClock, DEFAULT_SIMULATOR_DATA_DIR, listenLoopback } from '../shared/index.js';
import { mountWechatPayControl } from './wechatpay.control.js';
import { WechatPayKeys } from './wechatpay.keys.js';
import { WechatPayProtocol } from './wechatpay.protocol.js';
import { WechatPaySimulator, type WechatPaySimulatorOptions } from './wechatpay.simulator.js';
import type { SigningMode } from './wechatpay.types.js';

export interface MerchantIdentity {
  readonly mchid: string;
  readonly appid: string;
  readonly privateKeyPem: string;
  readonly certificatePem: string;
  readonly serialNo: string;
  readonly apiV3Key: string;
}

export interface PlatformIdentity {
  readonly publicKeyId: string;
  readonly publicKeyPem: string;
  readonly certificates: readonly {
    readonly serialNo: string;
    readonly certificatePem: string;
    readonly publicKeyPem: string;
  }[];
  readonly signingMode: SigningMode;
}

export interface StartedWechatPaySimulator {
  readonly url: string;
  readonly port: number;
  readonly merchant: MerchantIdentity;
  readonly platform: PlatformIdentity;
  readonly sim: WechatPaySimulator;
  close(): Promise<void>;
}

export async function startWechatPaySimulator(
  options: WechatPaySimulatorOptions = {},
): Promise<StartedWechatPaySimulator> {
  const dataDir = options.dataDir ?? `${DEFAULT_SIMULATOR_DATA_DIR}/wechatpay`;
  const logger = options.logger ?? pino({ level: 'silent' });
  const clock = options.clock ?? createSimClock();
  const mchid = options.mchid ?? '1900000100';
  const appid = options.appid ?? 'wxd678efh567hg6787';
  const signingMode = options.signingMode ?? 'public_key';
  const keys = await WechatPayKeys.load(dataDir, mchid, options.platformCertificateCount ?? 1);
  const sim = new WechatPaySimulator(clock, { ...options, mchid, appid, signingMode }, keys, logger);
  const protocol = new WechatPayProtocol(
    sim,
    keys,
    { mchid, signingMode, skewMs: options.requestSkewMs ?? 5 * 60_000 },
    logger,
  );
  const control = mountWechatPayControl(sim);
  const server = await listenLoopback(
    async (req, res) => {
      if (await control.handle(req, res)) return;
      await protocol.handle(req, res);
    },
    {
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      onError: (err) => logger.error({ err }, 'wechatpay simulator error'),
    },
  );
  logger.info({ url: server.url, mchid, signingMode }, 'wechatpay simulator listening');

  return {
    url: server.url,
    port: server.port,
    merchant: {
      mchid,
      appid,
      privateKeyPem: keys.merchantCert.privateKeyPem,
      certificatePem: keys.merchantCert.certificatePem,
      serialNo: keys.merchantCert.serialNo,
      apiV3Key: keys.apiV3Key,
    },
    platform: {
      publicKeyId: keys.publicKeyId,
      publicKeyPem: keys.publicKeyPem,
      certificates: keys.platformCerts.map((c) => ({
        serialNo: c.serialNo,
        certificatePem: c.certificatePem,
        publicKeyPem: c.publicKeyPem,
      })),
      signingMode,
    },
    sim,
    async close() {
      sim.close();
      if (!options.clock) clock.dispose();
      await server.close();
    },
  };
}

/** A scratch data dir for tests that do not care about key reuse. */
export function tempSimulatorDataDir(prefix = 'wechatpay-sim-'): string {
  return mkdtempSync(`${process.env['TMPDIR'] ?? '/tmp'}/${prefix}`);
}
