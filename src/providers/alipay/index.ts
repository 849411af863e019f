export { createAlipayProvider, type AlipayProvider, type AlipayProviderConfig } from './alipay.provider.js';
export {
  parseAlipayBillZip,
  parseDetailCsv,
  extractDetailCsv,
  type ParsedAlipayStatement,
} from './alipay-statement.parser.js';
export { NOTIFY_TIME_TOLERANCE_MS } from './alipay-notify.verifier.js';
export { formatYuan, parseYuan, parseBeijingTime } from './alipay-units.js';
