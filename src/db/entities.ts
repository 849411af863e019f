import { AuditEventSchema } from '../audit/index.js';
import { JournalEntrySchema, LedgerAccountSchema, PostingSchema } from '../ledger/entities.js';

/** Every entity the ORM knows. Feature modules add theirs here. */
export const ENTITIES = [AuditEventSchema, LedgerAccountSchema, JournalEntrySchema, PostingSchema] as const;
