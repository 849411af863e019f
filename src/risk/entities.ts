/** The ORM's view of this module (imported by src/db/entities.ts; pulls in no services, so no cycles). */
export {
  RiskFlagSchema,
  RiskRuleVersionSchema,
  RiskSweepRunSchema,
  type RiskFlag,
  type RiskRuleVersion,
} from './risk.entity.js';
