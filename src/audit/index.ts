export { AuditEventSchema, type AuditEvent } from './audit-event.entity.js';
