export { RefundError, type RefundErrorCode } from './refund.errors.js';
export { RefundEventSchema, RefundSchema, type Refund, type RefundEvent } from './refund.entity.js';
export type {
  LiablePartyKind,
  RefundChange,
  RefundEventView,
  RefundFilter,
  RefundScope,
  RefundView,
  RequestRefundInput,
  RequestRefundResult,
  TransitionResult,
} from './refund.model.js';
export {
  DEFAULT_REFUND_RULES,
  POLL_REFUND,
  RefundService,
  requestHash,
  SUBMIT_REFUND,
  toRefundView,
  type JobSender,
  type RefundRow,
  type RefundRules,
} from './refund.service.js';
export {
  canTransition,
  isFinal,
  REFUND_STATUSES,
  type RefundStatus,
  type TransitionSource,
} from './refund.state.js';
export { RefundWorker, SWEEP_REFUNDS, type RefundWorkerSettings } from './refund.worker.js';
export { OrderRefundsResolver, PaymentRefundsResolver, RefundResolver } from './refund.resolver.js';
export { RefundType, toRefundType as toRefundGraphQLType } from './refund.types.js';
