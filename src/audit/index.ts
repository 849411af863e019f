export { jsonSafe, recordAudit, SYSTEM_WORKER, type Actor, type AuditRecord } from './audit.js';
export { AuditEventSchema, type AuditEvent } from './audit-event.entity.js';
export { auditTrail, type AuditEntryView } from './audit.queries.js';
export {
  AdminActions,
  BACK_OFFICE_ROLES,
  type AdminActionFilter,
  type AdminActionView,
} from './admin-actions.js';
