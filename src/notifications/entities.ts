/** The ORM's view of this module (the entity list in src/main.ts imports it; it pulls in no services). */
export { NotificationSchema, type Notification } from './notification.entity.js';
