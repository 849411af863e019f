import { AuditEventSchema } from '../audit/index.js';
import { OpsExceptionSchema, ProviderNotificationSchema } from '../callbacks/index.js';
import { JournalEntrySchema, LedgerAccountSchema, PostingSchema } from '../ledger/index.js';
import { NotificationSchema } from '../notifications/index.js';
import { OrderSchema, PaymentSchema } from '../payments/index.js';
import { RefundEventSchema, RefundSchema } from '../refunds/index.js';

/**
 * Every entity the ORM knows. Feature modules add theirs here. A function, not a constant: feature
 * modules import `db/`, so the list is read only once every module has loaded (no import-cycle TDZ).
 */
export const entities = () => [
  AuditEventSchema,
  LedgerAccountSchema,
  JournalEntrySchema,
  PostingSchema,
  OrderSchema,
  PaymentSchema,
  RefundSchema,
  RefundEventSchema,
  ProviderNotificationSchema,
  OpsExceptionSchema,
  NotificationSchema,
];
