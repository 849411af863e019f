import { toBigint, toDate } from '../db/index.js';
import { money } from '../money/index.js';
import type {
  CaseChannel,
  CaseType,
  CaseView,
  DecisionKind,
  LiableKind,
  Remedy,
  Severity,
} from './cases.model.js';

/** An `after_sales_case` row as PostgreSQL returns it. */
export interface CaseRow {
  id: string;
  order_id: string;
  customer_id: string;
  merchant_id: string;
  rider_id: string | null;
  type: string;
  channel: string;
  reporter_id: string;
  reporter_role: string;
  description: string;
  evidence: string[];
  evidence_count: number;
  requested_remedy: string;
  requested_amount_minor: string | null;
  currency: string;
  order_total_minor: string;
  promised_at: Date | null;
  delivered_at: Date | null;
  lateness_seconds: number | null;
  claim_delay_seconds: number | null;
  status: string;
  severity: string | null;
  classification_rule: string | null;
  classification_rule_version: number | null;
  review_rule: string | null;
  review_rule_version: number | null;
  review_figures: Record<string, unknown> | null;
  risk: Record<string, unknown> | null;
  assignee_id: string | null;
  assigned_at: Date | null;
  first_reviewed_at: Date | null;
  decision_count: number;
  auto_decided: boolean;
  outcome: string | null;
  liable_kind: string | null;
  liable_id: string | null;
  resolved_at: Date | null;
  rating: number | null;
  rating_comment: string | null;
  rated_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const date = (value: Date | null): Date | null => (value === null ? null : toDate(value));

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
