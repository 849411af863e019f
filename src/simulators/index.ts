/**
 * Starts the provider simulators together (dev stack, e2e tests). Each simulator keeps its own
 * folder and handle; this file only wires them up.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { FallbackCredentials } from '../providers/index.js';
import { alipayAdapterConfig, wechatPayAdapterConfig } from './adapter-config.js';
import { startAlipaySimulator, type StartedAlipaySimulator } from './alipay/index.js';
import { DEFAULT_SIMULATOR_DATA_DIR } from './shared/index.js';
import {
  startWechatPaySimulator,
  type StartedWechatPaySimulator,
  type WechatPaySimulatorOptions,
} from './wechatpay/index.js';

export * from './shared/index.js';
export { alipayAdapterConfig, wechatPayAdapterConfig } from './adapter-config.js';

export interface StartSimulatorsOptions {
  /** Root data dir; each simulator keeps its keys in a subfolder. Default `.data/simulators`. */
  readonly dataDir?: string;
  readonly logger?: Logger;
  /** `false` skips the WeChat simulator. */
  readonly wechatpay?: WechatPaySimulatorOptions | false;
  /** Options for the other simulators by name (e.g. `alipay`), passed through untouched. */
  readonly others?: Readonly<Record<string, Record<string, unknown> | false>>;
}

export interface RunningSimulator {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface StartedSimulators {
  readonly wechatpay: StartedWechatPaySimulator | undefined;
  /** Every started simulator by name, including `wechatpay`. */
  readonly all: Readonly<Record<string, RunningSimulator>>;
  close(): Promise<void>;
}

type Starter = (
  dataDir: string,
  options: Record<string, unknown>,
  logger: Logger | undefined,
) => Promise<RunningSimulator>;

/** Simulators other than WeChat register here, one line each. */
const OTHER_STARTERS: Readonly<Record<string, Starter>> = {
  alipay: (dataDir, o, logger) => startAlipaySimulator({ dataDir, ...(logger ? { logger } : {}), ...o }),
};

export async function startSimulators(options: StartSimulatorsOptions = {}): Promise<StartedSimulators> {
  const dataDir = options.dataDir ?? DEFAULT_SIMULATOR_DATA_DIR;
  const all: Record<string, RunningSimulator> = {};
  const closeAll = async (): Promise<void> => {
    await Promise.all(Object.values(all).map((s) => s.close()));
  };
  try {
    const wechatpay =
      options.wechatpay === false
        ? undefined
        : await startWechatPaySimulator({
            dataDir: join(dataDir, 'wechatpay'),
            ...(options.logger ? { logger: options.logger.child({ simulator: 'wechatpay' }) } : {}),
            ...options.wechatpay,
          });
    if (wechatpay) all['wechatpay'] = wechatpay;
    for (const [name, start] of Object.entries(OTHER_STARTERS)) {
      const o = options.others?.[name];
      if (o === false) continue;
      all[name] = await start(dataDir, o ?? {}, options.logger?.child({ simulator: name }));
    }
    return { wechatpay, all, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/**
 * The environment that points the service at running simulators (their URLs and credentials), for
 * processes started beside them: worker processes in tests, benchmarks.
 */
export function simulatorProviderEnv(sims: StartedSimulators): Record<string, string> {
  const env: Record<string, string> = {};
  const w = sims.wechatpay;
  if (w) {
    Object.assign(env, {
      WECHATPAY_BASE_URL: w.url,
      WECHATPAY_MCHID: w.merchant.mchid,
      WECHATPAY_APPID: w.merchant.appid,
      WECHATPAY_PRIVATE_KEY: w.merchant.privateKeyPem,
      WECHATPAY_SERIAL_NO: w.merchant.serialNo,
      WECHATPAY_APIV3_KEY: w.merchant.apiV3Key,
      WECHATPAY_PLATFORM_PUBLIC_KEY: w.platform.publicKeyPem,
      WECHATPAY_PLATFORM_PUBLIC_KEY_ID: w.platform.publicKeyId,
    });
  }
  const a = sims.all['alipay'] as StartedAlipaySimulator | undefined;
  if (a) {
    Object.assign(env, {
      ALIPAY_GATEWAY_URL: a.gatewayUrl,
      ALIPAY_APP_ID: a.app.appId,
      ALIPAY_PRIVATE_KEY: a.app.privateKeyPem,
      ALIPAY_PUBLIC_KEY: a.alipayPublicKeyPem,
    });
  }
  return env;
}

/** The adapters' configurations for the running simulators (their merchant, app and platform keys). */
export function simulatorCredentials(sims: StartedSimulators): FallbackCredentials {
  const alipay = sims.all['alipay'] as StartedAlipaySimulator | undefined;
  return {
    wechatpay: sims.wechatpay && wechatPayAdapterConfig(sims.wechatpay),
    alipay: alipay && alipayAdapterConfig(alipay),
  };
}

/**
 * Where `npm start`'s local simulators listen and keep their keys: the configuration's `simulators`
 * and the service's data directory (they keep their keys in its `simulators/`). Plain data: it
 * crosses to a worker thread.
 */
export interface LocalSimulatorSettings {
  readonly dataDir: string;
  readonly wechatpayPort: number;
  readonly alipayPort: number;
}

/** Running local simulators, as the service uses them: their URLs and the adapters' credentials. */
export interface LocalSimulators {
  /** The simulators' handles, when they run in this thread (tests drive them through these). */
  readonly simulators: StartedSimulators | undefined;
  readonly urls: Readonly<Record<string, string>>;
  readonly credentials: FallbackCredentials;
  close(): Promise<void>;
}

/** The WeChat Pay and Alipay simulators of a development start, in this thread. */
export async function startLocalSimulators(
  settings: LocalSimulatorSettings,
  logger: Logger,
): Promise<LocalSimulators> {
  const simulators = await startSimulators({
    dataDir: join(settings.dataDir, 'simulators'),
    logger: logger.child({ component: 'simulators' }),
    wechatpay: { port: settings.wechatpayPort, refundLifecycle: { mode: 'auto', afterMs: 2_000 } },
    // The local Alipay charges the agreed 0.6% like the WeChat simulator, so reconciliation sees real fees.
    others: { alipay: { port: settings.alipayPort, feeRateBasisPoints: 60 } },
  });
  return {
    simulators,
    urls: Object.fromEntries(Object.entries(simulators.all).map(([name, s]) => [name, s.url])),
    credentials: simulatorCredentials(simulators),
    close: () => simulators.close(),
  };
}
