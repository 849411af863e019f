import { defineEntity, p } from '@mikro-orm/core';
import { OrderSchema } from '../payments/entities.js';
import { CASE_STATUSES as STATUSES } from './case.state.js';
import { CASE_TYPES as TYPES, DECISION_KINDS as KINDS } from './cases.model.js';

/** The CHECKs' value lists, from the one list of each in TypeScript. */
const sqlList = (values: readonly string[]): string => values.map((value) => `'${value}'`).join(', ');
const CASE_TYPES = sqlList(TYPES);
const CASE_STATUSES = sqlList(STATUSES);
const DECISION_KINDS = sqlList(KINDS);
const LIABLE_KINDS = `'MERCHANT', 'RIDER', 'PLATFORM'`;

/**
 * An after-sales case on one order: who reported what, how it was classified and reviewed, and how it
 * ended. Owner fields (customer, merchant, rider) are copied from the order so the queue, similar-case
 * and metrics queries run on this table's own indexes.
 */
export const CaseSchema = defineEntity({
  name: 'AfterSalesCase',
  tableName: 'after_sales_case',
  properties: {
    id: p.string().primary().length(64),
    order: () => p.manyToOne(OrderSchema).ref().deleteRule('restrict').updateRule('restrict'),
    customerId: p.string().length(64),
    merchantId: p.string().length(64),
    riderId: p.string().length(64).nullable(),
    type: p.string().length(16),
    /** APP (the customer), PHONE (support on the customer's behalf), SYSTEM (detection). */
    channel: p.string().length(8),
    reporterId: p.string().length(128),
    reporterRole: p.string().length(16),
    description: p.string().length(2000),
    /** Evidence URLs (validated, bounded). */
    evidence: p.json<string[]>(),
    evidenceCount: p.smallint().default(0),
    requestedRemedy: p.string().length(16),
    requestedAmountMinor: p.bigint('bigint').nullable(),
    currency: p.string().length(3),
    orderTotalMinor: p.bigint('bigint'),
    promisedAt: p.datetime().nullable(),
    deliveredAt: p.datetime().nullable(),
    /** Seconds past the promised time (delivery, or the report when undelivered); null without a promise. */
    latenessSeconds: p.integer().nullable(),
    /** Seconds from delivery to the report; null for undelivered orders. */
    claimDelaySeconds: p.integer().nullable(),
    status: p.string().length(24),
    severity: p.string().length(8).nullable(),
    classificationRule: p.string().length(64).nullable(),
    classificationRuleVersion: p.integer().nullable(),
    /** The auto-review rule (id and version) that decided or routed the case, and the figures it used. */
    reviewRule: p.string().length(64).nullable(),
    reviewRuleVersion: p.integer().nullable(),
    reviewFigures: p.json<Record<string, unknown>>().nullable(),
    /** The risk assessment auto-review used: `{ routing, flags }`. */
    risk: p.json<Record<string, unknown>>().nullable(),
    assigneeId: p.string().length(128).nullable(),
    assignedAt: p.datetime().nullable(),
    firstReviewedAt: p.datetime().nullable(),
    /** Decisions taken so far; the next decision's sequence number is this plus one. */
    decisionCount: p.integer().default(0),
    autoDecided: p.boolean().default(false),
    outcome: p.string().length(16).nullable(),
    liableKind: p.string().length(16).nullable(),
    liableId: p.string().length(64).nullable(),
    resolvedAt: p.datetime().nullable(),
    rating: p.smallint().nullable(),
    ratingComment: p.string().length(500).nullable(),
    ratedAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
  indexes: [
    { properties: ['customerId', 'createdAt'] },
    { properties: ['merchantId', 'type', 'createdAt'] },
    { properties: ['riderId', 'type', 'createdAt'] },
    /** The support queue's open cases in first-in order (a few percent of the table). */
    {
      name: 'after_sales_case_open_queue_idx',
      properties: ['createdAt', 'id'],
      where: `status <> 'RESOLVED'`,
    },
    /** The same for one merchant's open cases. */
    {
      name: 'after_sales_case_open_merchant_idx',
      properties: ['merchantId', 'createdAt', 'id'],
      where: `status <> 'RESOLVED'`,
    },
    /**
     * Unassigned open cases in first-in order: what agents take work from. PostgreSQL cannot know that
     * almost every unassigned case is open (it multiplies the two fractions), so without this index it
     * estimated a few dozen rows for thousands and sorted them all for a page of 20.
     */
    {
      name: 'after_sales_case_open_unassigned_idx',
      properties: ['createdAt', 'id'],
      where: `status <> 'RESOLVED' and assignee_id is null`,
    },
    { properties: ['assigneeId', 'status'] },
    { properties: ['createdAt'] },
  ],
  uniques: [
    {
      name: 'after_sales_case_open_unique',
      properties: ['order', 'type'],
      where: `status <> 'RESOLVED'`,
    },
    {
      name: 'after_sales_case_detected_unique',
      properties: ['order', 'type'],
      where: `channel = 'SYSTEM'`,
    },
  ],
  checks: [
    { name: 'after_sales_case_type_check', expression: `type in (${CASE_TYPES})` },
    { name: 'after_sales_case_channel_check', expression: `channel in ('APP', 'PHONE', 'SYSTEM')` },
    { name: 'after_sales_case_status_check', expression: `status in (${CASE_STATUSES})` },
    { name: 'after_sales_case_severity_check', expression: `severity in ('MINOR', 'SEVERE')` },
    {
      name: 'after_sales_case_remedy_check',
      expression: `requested_remedy in (${DECISION_KINDS}) and (requested_amount_minor is null or requested_amount_minor > 0)`,
    },
    {
      name: 'after_sales_case_resolved_check',
      expression: `(status = 'RESOLVED') = (resolved_at is not null and outcome is not null)`,
    },
    { name: 'after_sales_case_outcome_check', expression: `outcome in (${DECISION_KINDS})` },
    { name: 'after_sales_case_liable_check', expression: `liable_kind in (${LIABLE_KINDS})` },
    {
      name: 'after_sales_case_rating_check',
      expression: `rating is null or (rating >= 1 and rating <= 5 and resolved_at is not null)`,
    },
  ],
});

export type AfterSalesCase = InstanceType<typeof CaseSchema.class>;

/**
 * A decision on a case, numbered per case. Refund decisions carry the refund they issued (its
 * idempotency key derives from the case and this number); coupons the code and ledger entry.
 */
export const CaseDecisionSchema = defineEntity({
  name: 'CaseDecision',
  tableName: 'case_decision',
  properties: {
    id: p.string().primary().length(64),
    case: () => p.manyToOne(CaseSchema).ref().deleteRule('restrict').updateRule('restrict'),
    seq: p.integer(),
    kind: p.string().length(16),
    amountMinor: p.bigint('bigint').nullable(),
    currency: p.string().length(3),
    liableKind: p.string().length(16),
    liableId: p.string().length(64).nullable(),
    note: p.string().length(1000),
    decidedBy: p.string().length(128),
    decidedRole: p.string().length(16),
    auto: p.boolean().default(false),
    ruleId: p.string().length(64).nullable(),
    ruleVersion: p.integer().nullable(),
    figures: p.json<Record<string, unknown>>().nullable(),
    /** PROPOSED (waiting for the customer), EXECUTING, DONE, DECLINED, FAILED (refund did not go through). */
    status: p.string().length(16),
    respondBy: p.datetime().nullable(),
    /** ACCEPTED, DECLINED or TIMEOUT (silence accepts). */
    response: p.string().length(16).nullable(),
    respondedAt: p.datetime().nullable(),
    refundId: p.string().length(64).nullable(),
    couponCode: p.string().length(32).nullable(),
    ledgerEntryId: p.string().length(64).nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    executedAt: p.datetime().nullable(),
  },
  // No query finds decisions by refund or by (status, respond_by) (a proposal's timeout is its own job):
  // those two indexes were dropped (`case_decision_unused_indexes`), so a decision's later updates
  // (refund id, status, execution time) change no indexed column and may stay on their page (HOT).
  indexes: [
    /** Metrics read the decisions of a period's cases from here. */
    { properties: ['createdAt'] },
  ],
  uniques: [{ name: 'case_decision_seq_unique', properties: ['case', 'seq'] }],
  checks: [
    { name: 'case_decision_kind_check', expression: `kind in (${DECISION_KINDS})` },
    { name: 'case_decision_liable_check', expression: `liable_kind in (${LIABLE_KINDS})` },
    {
      name: 'case_decision_status_check',
      expression: `status in ('PROPOSED', 'EXECUTING', 'DONE', 'DECLINED', 'FAILED')`,
    },
    {
      name: 'case_decision_amount_check',
      expression: `(kind in ('PARTIAL_REFUND', 'COUPON', 'FULL_REFUND')) = (amount_minor is not null) and (amount_minor is null or amount_minor > 0)`,
    },
  ],
});

export type CaseDecision = InstanceType<typeof CaseDecisionSchema.class>;

/** A liable merchant's or rider's appeal against one decision, and its second review. */
export const CaseAppealSchema = defineEntity({
  name: 'CaseAppeal',
  tableName: 'case_appeal',
  properties: {
    id: p.string().primary().length(64),
    case: () => p.manyToOne(CaseSchema).ref().deleteRule('restrict').updateRule('restrict'),
    decision: () => p.manyToOne(CaseDecisionSchema).ref().deleteRule('restrict').updateRule('restrict'),
    appellantId: p.string().length(128),
    appellantRole: p.string().length(16),
    statement: p.string().length(2000),
    evidence: p.json<string[]>(),
    /** PENDING, UPHELD, OVERTURNED. */
    status: p.string().length(16),
    newLiableKind: p.string().length(16).nullable(),
    newLiableId: p.string().length(64).nullable(),
    reviewerId: p.string().length(128).nullable(),
    reviewNote: p.string().length(1000).nullable(),
    reviewedAt: p.datetime().nullable(),
    ledgerEntryId: p.string().length(64).nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
  indexes: [{ properties: ['status', 'createdAt'] }, { properties: ['case'] }],
  uniques: [{ name: 'case_appeal_decision_unique', properties: ['decision'] }],
  checks: [
    { name: 'case_appeal_status_check', expression: `status in ('PENDING', 'UPHELD', 'OVERTURNED')` },
    {
      name: 'case_appeal_reviewed_check',
      expression: `(status = 'PENDING') = (reviewed_at is null)`,
    },
  ],
});

export type CaseAppeal = InstanceType<typeof CaseAppealSchema.class>;
