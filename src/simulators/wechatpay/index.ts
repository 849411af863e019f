export {
  startWechatPaySimulator,
  tempSimulatorDataDir,
  type MerchantIdentity,
  type PlatformIdentity,
  type StartedWechatPaySimulator,
} from './wechatpay.server.js';
export { WECHAT_PRODUCTION_BASE } from './wechatpay.statements.js';
export type {
  CreatePaymentInput,
  WechatPaySimulator,
  WechatPaySimulatorOptions,
} from './wechatpay.simulator.js';
export { createWechatPayControlClient, type WechatPayControlClient } from './wechatpay.control.js';
export { WECHAT_RETRY_SCHEDULE_MS, type DeliveryAttempt, type NotifyDelivery } from './wechatpay.notifier.js';
export {
  HEADERS as WECHAT_BILL_HEADERS,
  SUMMARY_HEADER as WECHAT_BILL_SUMMARY_HEADER,
  type StatementEdit,
  type BillType,
} from './wechatpay.bills.js';
export type {
  RefundLifecycle,
  RefundStatus,
  RequestRecord,
  SigningMode,
  SimPayment,
  SimRefund,
} from './wechatpay.types.js';
