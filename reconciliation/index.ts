export { ReconError, type ReconErrorCode } from './recon.errors.js';
export {
  AGE_BUCKETS,
  ITEM_STATUSES,
  RECON_CATEGORIES,
  RECON_PROVIDERS,
  addDays,
  ageBucket,
  isBillDate,
  shanghaiDate,
  type AgeBucket,
  type ItemStatus,
  type ReconCategory,
  type ReconProvider,
  type RunTrigger,
} from './recon.model.js';
export {
  ReconciliationService,
  type ReconcileOutcome,
  type ReconcileRequest,
  type ReconDeps,
  type ReconPhase,
  type ReconSettings,
} from './recon.service.js';
