import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000Baseline } from './Migration20261122000000_baseline.js';
import { Migration20261201141000Cases } from './Migration20261201141000_cases.js';
import { Migration20261201150000Reconciliation } from './Migration20261201150000_reconciliation.js';
import { Migration20261201170615AdminActionsIndex } from './Migration20261201170615_admin_actions_index.js';
import { Migration20261201172921OrderPromisedAtIndex } from './Migration20261201172921_order_promised_at_index.js';
import { Migration20261201180000Risk } from './Migration20261201180000_risk.js';
import { Migration20261201180718CaseOpenQueueIndexes } from './Migration20261201180718_case_open_queue_indexes.js';
import { Migration20261201181541CaseDecisionCreatedAtIndex } from './Migration20261201181541_case_decision_created_at_index.js';
import { Migration20261201201233CaseMetricsRollup } from './Migration20261201201233_case_metrics_rollup.js';
import { Migration20261201202702ReconStagingPerRun } from './Migration20261201202702_recon_staging_per_run.js';
import { Migration20261201231815CaseUnusedIndexes } from './Migration20261201231815_case_unused_indexes.js';
import { Migration20261202023751CaseDecisionUnusedIndexes } from './Migration20261202023751_case_decision_unused_indexes.js';

/**
 * Every versioned migration, in order: tables, columns, indexes, constraints and data moves only (SQL
 * functions and triggers live in `sql/` files beside their modules, see src/db/repeatable.ts). Listed
 * explicitly (not discovered from disk) so the same list runs under vitest (TypeScript sources) and
 * from `dist/` (compiled), and a migration cannot be silently skipped. Never edit a committed
 * migration: add a new one.
 */
export const migrationsList: readonly MigrationObject[] = [
  { name: 'Migration20261122000000_baseline', class: Migration20261122000000Baseline },
  { name: 'Migration20261201141000_cases', class: Migration20261201141000Cases },
  { name: 'Migration20261201150000_reconciliation', class: Migration20261201150000Reconciliation },
  { name: 'Migration20261201170615_admin_actions_index', class: Migration20261201170615AdminActionsIndex },
  {
    name: 'Migration20261201172921_order_promised_at_index',
    class: Migration20261201172921OrderPromisedAtIndex,
  },
  { name: 'Migration20261201180000_risk', class: Migration20261201180000Risk },
  {
    name: 'Migration20261201180718_case_open_queue_indexes',
    class: Migration20261201180718CaseOpenQueueIndexes,
  },
  {
    name: 'Migration20261201181541_case_decision_created_at_index',
    class: Migration20261201181541CaseDecisionCreatedAtIndex,
  },
  { name: 'Migration20261201201233_case_metrics_rollup', class: Migration20261201201233CaseMetricsRollup },
  { name: 'Migration20261201202702_recon_staging_per_run', class: Migration20261201202702ReconStagingPerRun },
  { name: 'Migration20261201231815_case_unused_indexes', class: Migration20261201231815CaseUnusedIndexes },
  {
    name: 'Migration20261202023751_case_decision_unused_indexes',
    class: Migration20261202023751CaseDecisionUnusedIndexes,
  },
];
