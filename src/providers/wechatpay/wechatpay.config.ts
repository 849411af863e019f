import type { Logger } from 'pino';

export const WECHAT_PRODUCTION_BASE_URL = 'https://api.mch.weixin.qq.com';

export interface WechatPayProviderConfig {
  readonly mchid: string;
  readonly appid: string;
  readonly merchantPrivateKeyPem: string;
  /** Merchant API certificate serial (40 hex). Passed to the SDK so it never parses the certificate. */
  readonly merchantSerialNo: string;
  readonly merchantCertificatePem?: string | undefined;
  /** 32 ASCII characters. */
  readonly apiV3Key: string;
  /** "WeChat Pay public key" mode: the key and its `PUB_KEY_ID_…`. */
  readonly platformPublicKey?: { readonly id: string; readonly pem: string } | undefined;
  /** Certificate mode: platform certificates (or bare public keys) by serial. */
  readonly platformCertificates?: readonly { readonly serialNo: string; readonly pem: string }[] | undefined;
  /** Default production; point it at the simulator in tests. Only scheme+host(+port) are rewritten. */
  readonly baseUrl?: string | undefined;
  readonly timeoutMs?: number | undefined;
  /** Default refund notify URL when a request has none. */
  readonly notifyUrl?: string | undefined;
  /** Accepted clock skew on response/notify timestamps (default 5 min). */
  readonly maxSkewMs?: number | undefined;
}

export interface WechatPayProviderDeps {
  readonly logger?: Logger | undefined;
  readonly now?: (() => Date) | undefined;
}
