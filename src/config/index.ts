export {
  ConfigError,
  DEV_JWT_SECRET,
  loadConfig,
  RISK_RULE_DEFAULTS,
  type AlipayCredentials,
  type AppConfig,
  type RateLimitConfig,
  type RiskRuleSetting,
  type WechatPayCredentials,
} from './config.js';
export { describeStartupFailure } from './startup-failure.js';
