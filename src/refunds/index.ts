export { RefundError, type RefundErrorCode } from './refund.errors.js';
export { RefundEventSchema, RefundSchema, type Refund, type RefundEvent } from './refund.entity.js';
export type {
  EmbeddedRefund,
  LiablePartyKind,
  RefundBatchArgs,
  RefundChange,
  RefundEventView,
  RefundFilter,
  RefundPayment,
  RefundScope,
  RefundStatusObserver,
  RefundView,
  RequestRefundInput,
  RequestRefundResult,
  TransitionResult,
} from './refund.model.js';
export { POLL_REFUND, SUBMIT_REFUND, type JobSender } from './refund.jobs.js';
export { DEFAULT_REFUND_RULES, requestHash, type RefundRules } from './refund.rules.js';
export { RefundService } from './refund.service.js';
export {
  canTransition,
  isFinal,
  REFUND_STATUSES,
  type RefundStatus,
  type TransitionSource,
} from './refund.state.js';
export {
  NO_REFUND_RISK,
  type RefundRiskAssessment,
  type RefundRiskFigures,
  type RefundRiskPort,
  type RefundRiskRequest,
} from './refund.risk.js';
export { RefundWorker, SWEEP_REFUNDS, type RefundWorkerSettings } from './refund.worker.js';
export { OrderRefundsResolver, PaymentRefundsResolver, RefundResolver } from './refund.resolver.js';
export { LiablePartyEnum, RefundType, toRefundType as toRefundGraphQLType } from './refund.types.js';
export {
  REFUND_ACTIVE_CUSTOMERS_SQL,
  REFUND_CUSTOMERS_BETWEEN_SQL,
  REFUNDED_ORDERS_30D_SQL,
} from './refund.figures.js';
