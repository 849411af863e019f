export { OpsExceptionSchema, ProviderNotificationSchema } from './callback.entity.js';
export { CallbacksError, type CallbacksErrorCode } from './callbacks.errors.js';
export {
  EXCEPTION_SEVERITIES,
  NOTIFY_EXCEPTION_KINDS,
  type ExceptionFigure,
  type ExceptionFilter,
  type ExceptionSeverity,
  type InboxStatus,
  type NotifyExceptionKind,
  type OpsExceptionView,
} from './callbacks.model.js';
export { CallbacksResolver } from './callbacks.resolver.js';
export { NOTIFY_BODY_LIMIT_BYTES, NOTIFY_PATHS } from './callbacks.routes.js';
export { APPLY_NOTIFY, CallbacksService, SWEEP_INBOX, type CallbackJobs } from './callbacks.service.js';
