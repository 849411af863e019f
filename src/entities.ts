import { AuditEventSchema } from './audit/entities.js';
import { ProviderNotificationSchema } from './callbacks/entities.js';
import {
  CaseAppealSchema,
  CaseCouponSchema,
  CaseDecisionSchema,
  CaseMetricsChangeSchema,
  CaseMetricsHourSchema,
  CaseRuleVersionSchema,
  CaseSchema,
  OrderWarningSchema,
  RedeliverySchema,
  RiderPositionSchema,
} from './cases/entities.js';
import { JournalEntrySchema, LedgerAccountSchema, PostingSchema } from './ledger/entities.js';
import { NotificationSchema } from './notifications/entities.js';
import { OpsExceptionSchema } from './ops-exceptions/entities.js';
import { OrderSchema, PaymentSchema } from './payments/entities.js';
import { RefundEventSchema, RefundSchema } from './refunds/entities.js';
import {
  ReconFileChunkSchema,
  ReconFileSchema,
  ReconItemSchema,
  ReconRunSchema,
} from '../reconciliation/entities.js';
import { RiskFlagSchema, RiskRuleVersionSchema, RiskSweepRunSchema } from './risk/entities.js';

/**
 * Every entity the ORM knows (each module's `entities.ts`), registered here at the top of the import
 * graph so `db/` knows no feature. A new module adds its entities here; the app (`main.ts`), the
 * migrations, the drift test, the CLIs and the tests' databases all use this list.
 */
export const entities = [
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
  CaseMetricsHourSchema,
  CaseMetricsChangeSchema,
  ReconFileSchema,
  ReconFileChunkSchema,
  ReconRunSchema,
  ReconItemSchema,
  RiskRuleVersionSchema,
  RiskFlagSchema,
  RiskSweepRunSchema,
];
