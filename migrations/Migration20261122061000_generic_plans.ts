import { Migration } from '@mikro-orm/migrations';

/**
 * The hot server-side functions plan their statements once per connection and keep that plan.
 *
 * PostgreSQL caches a function's statement plans per connection, but by default (`plan_cache_mode =
 * auto`) it plans each statement anew with the actual values for its first five runs, and keeps
 * doing so for good whenever the generic plan's estimate looks worse — which is the case for
 * statements over array or JSON parameters (`unnest(p_account_ids, …)`, `= any(…)`), whose size the
 * generic plan cannot know. Measured under the lifecycle benchmark: a fifth of PostgreSQL's CPU went
 * to rebuilding such plans (`BuildCachedPlan` inside PL/pgSQL and SQL functions). Every statement in
 * these functions looks rows up by primary or unique key, so the generic plan is the right plan.
 *
 * The setting applies while the function runs, so the triggers its statements fire (posting, account
 * guard) plan generically too; the deferred balance check runs at commit, outside, so it gets its own.
 */
export class Migration20261122061000GenericPlans extends Migration {
  override async up(): Promise<void> {
    for (const fn of [
      'ledger_post_entry(varchar, varchar, varchar, varchar, bigint, varchar, varchar, bigint[], char(1)[], bigint[], varchar[])',
      'ledger_check_entry_balanced()',
      'job_enqueue(text, jsonb, int)',
      'refund_request_contexts(jsonb)',
      'refund_request_batch(jsonb, int, int, int, int, text)',
      'refund_transition(jsonb)',
    ]) {
      this.addSql(`alter function ${fn} set plan_cache_mode = force_generic_plan;`);
    }
  }
}
