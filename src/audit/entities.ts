/** The ORM's view of this module (the entity list in src/main.ts imports it; it pulls in no services). */
export { AuditEventSchema, type AuditEvent } from './audit-event.entity.js';
