export { NotificationSchema, type Notification, type RecipientKind } from './notification.entity.js';
export {
  DELIVER_NOTIFICATION,
  NotificationsService,
  type NotificationDraft,
  type NotificationInput,
  type NotificationView,
  type WebhookSettings,
} from './notifications.service.js';
export { storeNotification } from './notifications.store.js';
export { NotificationsResolver } from './notifications.resolver.js';
export { signWebhook, verifyWebhook, WEBHOOK_TOLERANCE_SECONDS } from './webhook-signature.js';
