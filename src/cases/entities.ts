export { CaseAppealSchema, CaseDecisionSchema, CaseSchema } from './case.entity.js';
export {
  CaseCouponSchema,
  CaseRuleVersionSchema,
  OrderWarningSchema,
  RedeliverySchema,
  RiderPositionSchema,
} from './case-outcome.entity.js';
export { CaseMetricsChangeSchema, CaseMetricsHourSchema } from './case-metrics.entity.js';
