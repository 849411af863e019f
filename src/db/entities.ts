import { AuditEventSchema } from '../audit/entities.js';
import {
  CaseAppealSchema,
  CaseCouponSchema,
  CaseDecisionSchema,
  CaseRuleVersionSchema,
  CaseSchema,
  OrderWarningSchema,
  RedeliverySchema,
  RiderPositionSchema,
} from '../cases/entities.js';
import { ProviderNotificationSchema } from '../callbacks/entities.js';
import { JournalEntrySchema, LedgerAccountSchema, PostingSchema } from '../ledger/entities.js';
import { NotificationSchema } from '../notifications/entities.js';
import { OrderSchema, PaymentSchema } from '../payments/entities.js';
import { OpsExceptionSchema } from '../ops-exceptions/entities.js';
import { RefundEventSchema, RefundSchema } from '../refunds/entities.js';
import {
  ReconFileChunkSchema,
  ReconFileSchema,
  ReconItemSchema,
  ReconRunSchema,
  ReconStatementRowSchema,
} from '../../reconciliation/entities.js';

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
  CaseSchema,
  CaseDecisionSchema,
  CaseAppealSchema,
  CaseCouponSchema,
  RedeliverySchema,
  CaseRuleVersionSchema,
  RiderPositionSchema,
  OrderWarningSchema,
  ReconFileSchema,
  ReconFileChunkSchema,
  ReconStatementRowSchema,
  ReconRunSchema,
  ReconItemSchema,
];
