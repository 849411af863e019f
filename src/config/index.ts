export {
  ConfigError,
  DEV_JWT_SECRET,
  loadConfig,
  type AlipayCredentials,
  type AppConfig,
  type RateLimitConfig,
  type WechatPayCredentials,
} from './config.js';
export { describeStartupFailure } from './startup-failure.js';
