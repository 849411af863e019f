export { createWechatPayProvider, type WechatPayProvider } from './wechatpay.provider.js';
export {
  WECHAT_PRODUCTION_BASE_URL,
  type WechatPayProviderConfig,
  type WechatPayProviderDeps,
} from './wechatpay.config.js';
export { parseTradeBill, parseDecimal } from './bill-parser.js';
export { decryptResource, verifyWechatSignature, SIGNTEST_PREFIX } from './notify-crypto.js';
