export { CaseAppealSchema, CaseDecisionSchema, CaseSchema } from './case.entity.js';
export {
  CaseCouponSchema,
  CaseRuleVersionSchema,
  OrderWarningSchema,
  RedeliverySchema,
  RiderPositionSchema,
} from './case-outcome.entity.js';
export { CaseError, type CaseErrorCode } from './cases.errors.js';
export type {
  CaseType,
  CaseView,
  ClaimFigures,
  ClaimFiguresQuery,
  DecideInput,
  DecisionKind,
  DecisionResult,
  DecisionView,
  LiableKind,
  ReportCaseInput,
  Severity,
} from './cases.model.js';
export {
  CaseFigures,
  CLAIMED_ORDERS_30D_SQL,
  CLAIMING_ACTIVE_CUSTOMERS_SQL,
  CLAIMING_CUSTOMERS_BETWEEN_SQL,
  LATER_CASE_OUTCOMES_SQL,
} from './case.figures.js';
export { CaseRuleStore, type RuleVersionView } from './case-rules.store.js';
export { AUTO_REVIEW, CasesService, mayViewCase } from './cases.service.js';
export type { CaseSettings, CasesDeps } from './cases.deps.js';
export {
  NO_RISK,
  type CaseRiskFigures,
  type RiskAssessment,
  type RiskPort,
  type RiskRouting,
} from './risk.port.js';
export { CasesResolver } from './cases.resolver.js';
export { CaseSupportResolver } from './cases-support.resolver.js';
export { CaseTrackingResolver } from './cases-tracking.resolver.js';
export type { CaseMetrics } from './case.metrics.js';
