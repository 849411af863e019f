/**
 * The admins' view of what the back office did: one query over the audit trail's staff actions
 * (`adminActions`). The audit module owns and writes the trail; this module only reads it through
 * `AdminActions`, so the audit module stays below GraphQL in the import graph.
 */
export { AdminActionsResolver } from './admin-actions.resolver.js';
