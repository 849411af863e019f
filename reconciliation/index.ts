export { ReconError, type ReconErrorCode } from './recon.errors.js';
export {
  BillNotReadyError,
  RECONCILE_DAY,
  RECONCILE_NIGHTLY,
  configuredReconProviders,
  reconJobDefinitions,
  type ReconJobSettings,
} from './recon.jobs.js';
export { ReconQueries } from './recon.queries.js';
export { reportRoutes } from './recon.report.js';
export { ReconciliationResolver } from './recon.resolver.js';
export {
  AGE_BUCKETS,
  ITEM_STATUSES,
  RECON_CATEGORIES,
  RECON_PROVIDERS,
  addDays,
  ageBucket,
  channelOf,
  isBillDate,
  shanghaiDate,
  shanghaiDay,
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
