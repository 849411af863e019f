export { OpsExceptionSchema, ProviderNotificationSchema } from './callback.entity.js';
