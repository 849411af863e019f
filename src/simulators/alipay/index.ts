export {
  ALIPAY_FAULT_SUPPORT,
  AlipaySimulator,
  type AlipaySimulatorOptions,
  type CreatePaymentInput,
  type RefundView,
  type TradeView,
} from './alipay.simulator.js';
export {
  startAlipaySimulator,
  type AlipayAppCredentials,
  type StartedAlipaySimulator,
} from './alipay.server.js';
export { ALIPAY_NOTIFY_RETRY_GAPS_MS, type NotifyAttempt, type NotifyDelivery } from './alipay-notify.js';
export type { StatementEdit, ExtraRowInput, RowMatch, RowPatch } from './alipay-statement.js';
export { DETAIL_HEADER, SUMMARY_HEADER, type BillRow, type BillFooter } from './alipay-bill.js';
export { beijingDate, beijingDateTime, fenToYuan, yuanToFen } from './alipay-wire.js';
