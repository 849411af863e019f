export {
  ProviderError,
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
  type StatementLine,
  type StatementSummary,
  type VerifiedNotification,
} from './payment-provider.js';
export { createProviders, type FallbackCredentials } from './providers.factory.js';
export { ProviderRegistry } from './registry.js';
