import { toBigint, toDate, type TableRow } from '../db/index.js';
import { money } from '../money/index.js';
import type { AfterSalesCase } from './case.entity.js';
import type {
  CaseChannel,
  CaseType,
  CaseView,
  DecisionKind,
  LiableKind,
  Remedy,
  Severity,
} from './cases.model.js';

/** An `after_sales_case` row as PostgreSQL returns it whole (`select *`, `case_report_batch`), typed from the entity. */
export type CaseRow = TableRow<
  AfterSalesCase,
  | 'id'
  | 'order'
  | 'customerId'
  | 'merchantId'
  | 'riderId'
  | 'type'
  | 'channel'
  | 'reporterId'
  | 'reporterRole'
  | 'description'
  | 'evidence'
  | 'evidenceCount'
  | 'requestedRemedy'
  | 'requestedAmountMinor'
  | 'currency'
  | 'orderTotalMinor'
  | 'promisedAt'
  | 'deliveredAt'
  | 'latenessSeconds'
  | 'claimDelaySeconds'
  | 'status'
  | 'severity'
  | 'classificationRule'
  | 'classificationRuleVersion'
  | 'reviewRule'
  | 'reviewRuleVersion'
  | 'reviewFigures'
  | 'risk'
  | 'assigneeId'
  | 'assignedAt'
  | 'firstReviewedAt'
  | 'decisionCount'
  | 'autoDecided'
  | 'outcome'
  | 'liableKind'
  | 'liableId'
  | 'resolvedAt'
  | 'rating'
  | 'ratingComment'
  | 'ratedAt'
  | 'createdAt'
  | 'updatedAt'
>;

const date = (value: string | null | undefined): Date | null => (value == null ? null : toDate(value));

export function toCaseView(row: CaseRow): CaseView {
  return {
    id: row.id,
    orderId: row.order_id,
    customerId: row.customer_id,
    merchantId: row.merchant_id,
    riderId: row.rider_id,
    type: row.type as CaseType,
    channel: row.channel as CaseChannel,
    reporterId: row.reporter_id,
    reporterRole: row.reporter_role,
    description: row.description,
    evidence: row.evidence,
    requestedRemedy: row.requested_remedy as Remedy,
    requestedAmount:
      row.requested_amount_minor === null ? null : money(toBigint(row.requested_amount_minor), row.currency),
    orderTotal: money(toBigint(row.order_total_minor), row.currency),
    promisedAt: date(row.promised_at),
    deliveredAt: date(row.delivered_at),
    latenessSeconds: row.lateness_seconds,
    claimDelaySeconds: row.claim_delay_seconds,
    status: row.status,
    severity: row.severity as Severity | null,
    classification:
      row.classification_rule === null || row.classification_rule_version === null
        ? null
        : { ruleId: row.classification_rule, version: row.classification_rule_version },
    review:
      row.review_rule === null || row.review_rule_version === null
        ? null
        : { ruleId: row.review_rule, version: row.review_rule_version, figures: row.review_figures },
    risk: row.risk,
    assigneeId: row.assignee_id,
    assignedAt: date(row.assigned_at),
    firstReviewedAt: date(row.first_reviewed_at),
    decisionCount: row.decision_count,
    autoDecided: row.auto_decided,
    outcome: row.outcome as DecisionKind | null,
    liableKind: row.liable_kind as LiableKind | null,
    liableId: row.liable_id,
    resolvedAt: date(row.resolved_at),
    rating: row.rating,
    ratingComment: row.rating_comment,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}
