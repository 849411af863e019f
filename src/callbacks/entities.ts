/** The ORM's view of this module (imported by src/db/entities.ts; pulls in no services, so no cycles). */
export { ProviderNotificationSchema } from './callback.entity.js';
