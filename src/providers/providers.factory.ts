import type { AppConfig } from '../config/index.js';
import type { Logger } from '../logging/index.js';
// The adapters' own files, not their folders' index: those also export the statement parsers, whose
// GBK tables and unzip load with the first statement (statement-reader.ts), not with the service.
import { createAlipayProvider, type AlipayProviderConfig } from './alipay/alipay.provider.js';
import type { Channel, PaymentProvider } from './payment-provider.js';
import { pendingProvider } from './pending-provider.js';
import { ProviderRegistry } from './registry.js';
import { createWechatPayProvider, type WechatPayProviderConfig } from './wechatpay/index.js';

/** Credentials to use for a channel the configuration leaves out (a local simulator's own). */
export interface FallbackCredentials {
  readonly wechatpay?: Omit<WechatPayProviderConfig, 'timeoutMs'> | undefined;
  readonly alipay?: Omit<AlipayProviderConfig, 'timeoutMs'> | undefined;
}

/**
 * One adapter per channel: real credentials when configured, otherwise the fallback's. A fallback
 * still to come (`npm start`'s simulators starting in their thread) gives every channel left out an
 * adapter that waits for them (`pendingProvider`); the registry's `configured` settles once they
 * came, and rejects if they lack a channel.
 */
export function createProviders(
  settings: AppConfig['providers'],
  fallback: FallbackCredentials | Promise<FallbackCredentials>,
  logger: Logger,
): ProviderRegistry {
  const timeoutMs = settings.timeoutMs;
  const wechat = settings.wechatpay;
  const wechatConfig: FallbackCredentials['wechatpay'] = wechat && {
    mchid: wechat.mchid,
    appid: wechat.appid,
    merchantPrivateKeyPem: wechat.privateKeyPem,
    merchantSerialNo: wechat.serialNo,
    apiV3Key: wechat.apiV3Key,
    platformPublicKey: { id: wechat.platformPublicKeyId, pem: wechat.platformPublicKeyPem },
    baseUrl: settings.wechatpayBaseUrl,
  };
  const alipay = settings.alipay;
  const alipayConfig: FallbackCredentials['alipay'] = alipay && {
    appId: alipay.appId,
    appPrivateKeyPem: alipay.privateKeyPem,
    alipayPublicKeyPem: alipay.alipayPublicKeyPem,
    gatewayUrl: settings.alipayGatewayUrl ?? 'https://openapi.alipay.com/gateway.do',
  };
  const building: Promise<unknown>[] = [];
  const providers = [
    adapterFor(
      'WECHAT_PAY',
      wechatConfig,
      (credentials) => credentials.wechatpay,
      (config) => createWechatPayProvider({ ...config, timeoutMs }, { logger }),
      fallback,
      building,
    ),
    adapterFor(
      'ALIPAY',
      alipayConfig,
      (credentials) => credentials.alipay,
      (config) => createAlipayProvider({ ...config, timeoutMs, logger }),
      fallback,
      building,
    ),
  ].filter((provider) => provider !== undefined);
  if (providers.length < 2) {
    logger.warn(
      { configured: providers.map((p) => p.channel) },
      'not every payment channel has a provider adapter',
    );
  }
  const configured = Promise.all(building).then(() => undefined);
  configured.catch(() => undefined); // awaited by the start
  return new ProviderRegistry(providers, configured);
}

/** A channel's adapter: configured, from the fallback, waiting for the fallback, or none. */
function adapterFor<C>(
  channel: Channel,
  configured: C | undefined,
  fromFallback: (credentials: FallbackCredentials) => C | undefined,
  create: (config: C) => PaymentProvider,
  fallback: FallbackCredentials | Promise<FallbackCredentials>,
  building: Promise<unknown>[],
): PaymentProvider | undefined {
  if (configured !== undefined) return create(configured);
  if (!(fallback instanceof Promise)) {
    const config = fromFallback(fallback);
    return config === undefined ? undefined : create(config);
  }
  const built = fallback.then((credentials) => {
    const config = fromFallback(credentials);
    if (config === undefined) throw new Error(`the local simulators gave no credentials for ${channel}`);
    return create(config);
  });
  building.push(built);
  return pendingProvider(channel, built);
}
