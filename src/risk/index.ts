export { RiskError, type RiskErrorCode } from './risk.errors.js';
export type {
  RiskAction,
  RiskAssessment,
  RiskFlagMode,
  RiskFlagRef,
  RiskFlagView,
  RiskRouting,
  RiskRuleMode,
  RiskSubjectKind,
} from './risk.model.js';
export {
  RiskService,
  type AssessInput,
  type RefundRequestAssessment,
  type RiskSettings,
} from './risk.service.js';
export { RefundRiskResolver, RiskResolver } from './risk.resolver.js';
export { RISK_SWEEP, RiskSweep, shanghaiDate, type SweepResult } from './risk.sweep.js';
