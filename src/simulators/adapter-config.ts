import type { AlipayProviderConfig } from '../providers/alipay/index.js';
import type { WechatPayProviderConfig } from '../providers/wechatpay/index.js';
import type { StartedAlipaySimulator } from './alipay/index.js';
import type { StartedWechatPaySimulator } from './wechatpay/index.js';

/** The WeChat Pay adapter's configuration for a running simulator (its merchant and platform keys). */
export function wechatPayAdapterConfig(
  sim: StartedWechatPaySimulator,
): Omit<WechatPayProviderConfig, 'timeoutMs'> {
  return {
    mchid: sim.merchant.mchid,
    appid: sim.merchant.appid,
    merchantPrivateKeyPem: sim.merchant.privateKeyPem,
    merchantSerialNo: sim.merchant.serialNo,
    merchantCertificatePem: sim.merchant.certificatePem,
    apiV3Key: sim.merchant.apiV3Key,
    platformPublicKey: { id: sim.platform.publicKeyId, pem: sim.platform.publicKeyPem },
    platformCertificates: sim.platform.certificates.map((c) => ({
      serialNo: c.serialNo,
      pem: c.certificatePem,
    })),
    baseUrl: sim.url,
  };
}

/** The Alipay adapter's configuration for a running simulator (its app and platform keys). */
export function alipayAdapterConfig(sim: StartedAlipaySimulator): Omit<AlipayProviderConfig, 'timeoutMs'> {
  return {
    appId: sim.app.appId,
    appPrivateKeyPem: sim.app.privateKeyPem,
    alipayPublicKeyPem: sim.alipayPublicKeyPem,
    gatewayUrl: sim.gatewayUrl,
  };
}
