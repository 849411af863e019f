import { AuditEventSchema } from '../audit/audit-event.entity.js';

/** Every entity the ORM knows. Feature modules add theirs here. */
export const ENTITIES = [AuditEventSchema] as const;
