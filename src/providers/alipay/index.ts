export { createAlipayProvider, type AlipayProvider, type AlipayProviderConfig } from './alipay.provider.js';
export { detailCsvText, parseAlipayBillZip, parseDetailCsv } from './alipay-statement.parser.js';
export { NOTIFY_TIME_TOLERANCE_MS } from './alipay-notify.verifier.js';
export { formatYuan, parseYuan, parseBeijingTime } from './alipay-units.js';
