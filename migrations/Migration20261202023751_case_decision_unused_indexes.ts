import { Migration } from '@mikro-orm/migrations';

/**
 * Two indexes of case_decision that no query reads: `(refund_id)` (decisions are found by id and by
 * (case_id, seq); the refund's own row names its case) and `(status, respond_by)` (a proposal's
 * timeout is a job of its own, nothing scans for expired ones). Every decision paid for both on insert
 * and again on each update of its refund id or status, which kept those updates off HOT; and the
 * refund-id update (`... where id = $1 and refund_id is null`) was at times planned through the
 * refund-id index, reading every decision still without a refund.
 */
export class Migration20261202023751CaseDecisionUnusedIndexes extends Migration {

  override name = 'Migration20261202023751_case_decision_unused_indexes';

  override up(): void | Promise<void> {
    this.addSql(`drop index "case_decision_refund_id_index";`);
    this.addSql(`drop index "case_decision_status_respond_by_index";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`create index "case_decision_refund_id_index" on "case_decision" ("refund_id");`);
    this.addSql(`create index "case_decision_status_respond_by_index" on "case_decision" ("status", "respond_by");`);
  }

}
