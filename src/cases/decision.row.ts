import { toBigint, toDate, type TableRow } from '../db/index.js';
import { money } from '../money/index.js';
import type { CaseDecision } from './case.entity.js';
import type { DecisionKind, DecisionStatus, DecisionView, LiableKind } from './cases.model.js';

/** A `case_decision` row as PostgreSQL returns it whole, typed from the entity. */
export type DecisionRow = TableRow<
  CaseDecision,
  | 'id'
  | 'case'
  | 'seq'
  | 'kind'
  | 'amountMinor'
  | 'currency'
  | 'liableKind'
  | 'liableId'
  | 'note'
  | 'decidedBy'
  | 'decidedRole'
  | 'auto'
  | 'ruleId'
  | 'ruleVersion'
  | 'figures'
  | 'status'
  | 'respondBy'
  | 'response'
  | 'respondedAt'
  | 'refundId'
  | 'couponCode'
  | 'ledgerEntryId'
  | 'createdAt'
  | 'executedAt'
>;

export function toDecisionView(row: DecisionRow): DecisionView {
  return {
    id: row.id,
    caseId: row.case_id,
    seq: row.seq,
    kind: row.kind as DecisionKind,
    amount: row.amount_minor === null ? null : money(toBigint(row.amount_minor), row.currency),
    liableKind: row.liable_kind as LiableKind,
    liableId: row.liable_id,
    note: row.note,
    decidedBy: row.decided_by,
    decidedRole: row.decided_role,
    auto: row.auto,
    rule:
      row.rule_id === null || row.rule_version === null
        ? null
        : { ruleId: row.rule_id, version: row.rule_version },
    figures: row.figures,
    status: row.status as DecisionStatus,
    respondBy: row.respond_by ? toDate(row.respond_by) : null,
    response: row.response as DecisionView['response'],
    refundId: row.refund_id,
    couponCode: row.coupon_code,
    ledgerEntryId: row.ledger_entry_id,
    createdAt: toDate(row.created_at),
    executedAt: row.executed_at ? toDate(row.executed_at) : null,
  };
}

/** The refund command's idempotency key for a decision: a retried decision can never pay twice. */
export function refundKeyOf(decision: Pick<DecisionRow, 'case_id' | 'seq'>): string {
  return `case:${decision.case_id}:decision:${decision.seq}`;
}
