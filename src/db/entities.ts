import { AuditEventSchema } from '../audit/index.js';
import { OpsExceptionSchema, ProviderNotificationSchema } from '../callbacks/index.js';
import { JournalEntrySchema, LedgerAccountSchema, PostingSchema } from '../ledger/entities.js';
import { NotificationSchema } from '../notifications/index.js';
import { OrderSchema, PaymentSchema } from '../payments/index.js';
import { RefundEventSchema, RefundSchema } from '../refunds/index.js';

/** Every entity the ORM knows. Feature modules add theirs here. */
export const ENTITIES = [
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
] as const;
