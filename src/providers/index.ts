export {
  ProviderError,
  readStatement,
  StatementFormatError,
  type Channel,
  type HttpReply,
  type InboundHttpRequest,
  type PaymentProvider,
  type ProviderErrorCode,
  type ProviderNotificationEvent,
  type ProviderRefundLookup,
  type ProviderRefundRequest,
  type ProviderRefundResult,
  type ProviderRefundStatus,
  type StatementDownload,
  type StatementFormat,
  type StatementParse,
  type StatementLine,
  type StatementSummary,
  type VerifiedNotification,
} from './payment-provider.js';
export { createProviders, type FallbackCredentials } from './providers.factory.js';
export { wrapProviderCalls, type CallWrapper } from './provider-wrapper.js';
export { ProviderRegistry } from './registry.js';
export { parseStatementFile } from './statement-reader.js';
export type { ByteSource } from './statement-csv.js';
