export { ProviderNotificationSchema } from './callback.entity.js';
export { NOTIFY_EXCEPTION_KINDS, type InboxStatus, type NotifyExceptionKind } from './callbacks.model.js';
export { APPLY_NOTIFY, CallbacksService, SWEEP_INBOX, type CallbackJobs } from './callbacks.service.js';
