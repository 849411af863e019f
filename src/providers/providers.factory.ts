import type { AppConfig } from '../config/index.js';
import type { Logger } from '../logging/index.js';
// The adapters' own files, not their folders' index: those also export the statement parsers, whose
// GBK tables and unzip load with the first statement (statement-reader.ts), not with the service.
import { createAlipayProvider, type AlipayProviderConfig } from './alipay/alipay.provider.js';
import type { PaymentProvider } from './payment-provider.js';
import { ProviderRegistry } from './registry.js';
import { createWechatPayProvider, type WechatPayProviderConfig } from './wechatpay/index.js';

/** Credentials to use for a channel the configuration leaves out (a local simulator's own). */
export interface FallbackCredentials {
  readonly wechatpay?: Omit<WechatPayProviderConfig, 'timeoutMs'> | undefined;
  readonly alipay?: Omit<AlipayProviderConfig, 'timeoutMs'> | undefined;
}

/** One adapter per channel: real credentials when configured, otherwise the fallback's. */
export function createProviders(
  settings: AppConfig['providers'],
  fallback: FallbackCredentials,
  logger: Logger,
): ProviderRegistry {
  const providers: PaymentProvider[] = [];
  const timeoutMs = settings.timeoutMs;
  const wechat = settings.wechatpay;
  const wechatConfig = wechat
    ? {
        mchid: wechat.mchid,
        appid: wechat.appid,
        merchantPrivateKeyPem: wechat.privateKeyPem,
        merchantSerialNo: wechat.serialNo,
        apiV3Key: wechat.apiV3Key,
        platformPublicKey: { id: wechat.platformPublicKeyId, pem: wechat.platformPublicKeyPem },
        baseUrl: settings.wechatpayBaseUrl,
      }
    : fallback.wechatpay;
  if (wechatConfig) providers.push(createWechatPayProvider({ ...wechatConfig, timeoutMs }, { logger }));

  const alipay = settings.alipay;
  const alipayConfig = alipay
    ? {
        appId: alipay.appId,
        appPrivateKeyPem: alipay.privateKeyPem,
        alipayPublicKeyPem: alipay.alipayPublicKeyPem,
        gatewayUrl: settings.alipayGatewayUrl ?? 'https://openapi.alipay.com/gateway.do',
      }
    : fallback.alipay;
  if (alipayConfig) providers.push(createAlipayProvider({ ...alipayConfig, timeoutMs, logger }));

  if (providers.length < 2) {
    logger.warn(
      { configured: providers.map((p) => p.channel) },
      'not every payment channel has a provider adapter',
    );
  }
  return new ProviderRegistry(providers);
}
