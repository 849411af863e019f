import type { NonEmptyArray } from 'type-graphql';
import { AuditResolver } from '../audit/index.js';
import { LedgerResolver } from '../ledger/index.js';
import { NotificationsResolver } from '../notifications/index.js';
import { OrderResolver, PaymentResolver } from '../payments/index.js';
import { OrderRefundsResolver, PaymentRefundsResolver, RefundResolver } from '../refunds/index.js';
import { SystemResolver } from '../system/index.js';
import { CaseSupportResolver, CaseTrackingResolver, CasesResolver } from '../cases/index.js';
import { OpsExceptionsResolver } from '../ops-exceptions/index.js';
import { ViewerResolver } from '../graphql/index.js';
import { ReconciliationResolver } from '../../reconciliation/index.js';

/**
 * Every resolver class in the schema. Feature modules add theirs here. A function, not a constant:
 * resolver modules import `graphql/` helpers, so the list is read only once every module has loaded.
 */
export const resolverClasses = (): NonEmptyArray<Function> => [
  ViewerResolver,
  SystemResolver,
  LedgerResolver,
  OrderResolver,
  PaymentResolver,
  RefundResolver,
  OrderRefundsResolver,
  PaymentRefundsResolver,
  NotificationsResolver,
  CasesResolver,
  CaseSupportResolver,
  CaseTrackingResolver,
  OpsExceptionsResolver,
  ReconciliationResolver,
  AuditResolver,
];
