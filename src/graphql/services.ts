import type { AdminActions } from '../audit/index.js';
import type { CaseFigures, CaseRuleStore, CasesService } from '../cases/index.js';
import type { LedgerService } from '../ledger/index.js';
import type { NotificationsService } from '../notifications/index.js';
import type { OpsExceptionsService } from '../ops-exceptions/index.js';
import type { PaymentsService } from '../payments/index.js';
import type { RefundService } from '../refunds/index.js';
import type { SystemService } from '../system/index.js';
import type { ReconciliationService } from '../../reconciliation/index.js';

/**
 * The services resolvers may call, composed in `src/main.ts`. Each feature module adds its service
 * here (one line) and its resolvers to `src/graphql/resolvers.ts`.
 */
export interface AppServices {
  readonly system: SystemService;
  readonly ledger: LedgerService;
  readonly payments: PaymentsService;
  readonly refunds: RefundService;
  readonly notifications: NotificationsService;
  readonly cases: CasesService;
  readonly caseRules: CaseRuleStore;
  readonly caseFigures: CaseFigures;
  readonly opsExceptions: OpsExceptionsService;
  readonly reconciliation: ReconciliationService;
  readonly adminActions: AdminActions;
}
