import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000Foundation } from './Migration20261122000000_foundation.js';
import { Migration20261122010000Ledger } from './Migration20261122010000_ledger.js';
import { Migration20261122011000LedgerLeanPostings } from './Migration20261122011000_ledger_lean_postings.js';
import { Migration20261122012000LedgerRowTrigger } from './Migration20261122012000_ledger_row_trigger.js';
import { Migration20261122020000PaymentsRefunds } from './Migration20261122020000_payments_refunds.js';
import { Migration20261122030000LedgerHotShards } from './Migration20261122030000_ledger_hot_shards.js';
import { Migration20261122040000RefundCommandFunctions } from './Migration20261122040000_refund_command_functions.js';
import { Migration20261122041000RefundRequestContext } from './Migration20261122041000_refund_request_context.js';
import { Migration20261122050000RefundRequestBatch } from './Migration20261122050000_refund_request_batch.js';
import { Migration20261122051000RefundRequestContexts } from './Migration20261122051000_refund_request_contexts.js';
import { Migration20261122052000LedgerAccountInsertChecks } from './Migration20261122052000_ledger_account_insert_checks.js';
import { Migration20261122060000RefundTransition } from './Migration20261122060000_refund_transition.js';
import { Migration20261122061000GenericPlans } from './Migration20261122061000_generic_plans.js';

/**
 * Every migration, in order. Listed explicitly (not discovered from disk) so the same list runs under
 * vitest (TypeScript sources) and from `dist/` (compiled), and a migration cannot be silently skipped.
 * Never edit a committed migration: add a new one.
 */
export const migrationsList: readonly MigrationObject[] = [
  { name: 'Migration20261122000000_foundation', class: Migration20261122000000Foundation },
  { name: 'Migration20261122010000_ledger', class: Migration20261122010000Ledger },
  { name: 'Migration20261122011000_ledger_lean_postings', class: Migration20261122011000LedgerLeanPostings },
  { name: 'Migration20261122012000_ledger_row_trigger', class: Migration20261122012000LedgerRowTrigger },
  { name: 'Migration20261122020000_payments_refunds', class: Migration20261122020000PaymentsRefunds },
  { name: 'Migration20261122030000_ledger_hot_shards', class: Migration20261122030000LedgerHotShards },
  {
    name: 'Migration20261122040000_refund_command_functions',
    class: Migration20261122040000RefundCommandFunctions,
  },
  {
    name: 'Migration20261122041000_refund_request_context',
    class: Migration20261122041000RefundRequestContext,
  },
  { name: 'Migration20261122050000_refund_request_batch', class: Migration20261122050000RefundRequestBatch },
  {
    name: 'Migration20261122051000_refund_request_contexts',
    class: Migration20261122051000RefundRequestContexts,
  },
  {
    name: 'Migration20261122052000_ledger_account_insert_checks',
    class: Migration20261122052000LedgerAccountInsertChecks,
  },
  { name: 'Migration20261122060000_refund_transition', class: Migration20261122060000RefundTransition },
  { name: 'Migration20261122061000_generic_plans', class: Migration20261122061000GenericPlans },
];
