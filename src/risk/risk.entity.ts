import { defineEntity, p } from '@mikro-orm/core';

/**
 * One version of a rule: its parameters, action and mode. Versions are never changed: an edit inserts
 * the next version, and flags keep the version that raised them. The newest version is the rule.
 */
export const RiskRuleVersionSchema = defineEntity({
  name: 'RiskRuleVersion',
  tableName: 'risk_rule_version',
  properties: {
    ruleId: p.string().primary().length(64),
    version: p.integer().primary(),
    params: p.json<Record<string, unknown>>(),
    action: p.string().length(24),
    mode: p.string().length(16),
    createdBy: p.string().length(128),
    note: p.string().length(500).nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
  checks: [
    {
      name: 'risk_rule_version_action_check',
      expression: `action in ('REVIEW', 'BLOCK_AUTO_REFUND', 'WATCH')`,
    },
    { name: 'risk_rule_version_mode_check', expression: `mode in ('ENFORCE', 'SHADOW', 'OFF')` },
    { name: 'risk_rule_version_positive', expression: 'version > 0' },
  ],
});

export type RiskRuleVersion = InstanceType<typeof RiskRuleVersionSchema.class>;

/**
 * A flag a rule version raised against a customer (or, for the platform, a merchant or rider), with
 * the figures, thresholds and contributing rows that explain it. ACTIVE until its window passes
 * (EXPIRED) or support clears it (CLEARED); never deleted. `activeKey` is set only while ACTIVE, so a
 * subject has at most one active flag per rule version.
 */
export const RiskFlagSchema = defineEntity({
  name: 'RiskFlag',
  tableName: 'risk_flag',
  properties: {
    id: p.string().primary().length(64),
    subjectKind: p.string().length(16),
    subjectId: p.string().length(64),
    ruleId: p.string().length(64),
    ruleVersion: p.integer(),
    action: p.string().length(24),
    mode: p.string().length(16),
    status: p.string().length(16),
    activeKey: p.string().length(200).nullable(),
    /** CASE, REFUND or SWEEP, and the case or refund (or sweep run) that was being evaluated. */
    trigger: p.string().length(16),
    triggerSubjectId: p.string().length(64).nullable(),
    figures: p.json<Record<string, string>>(),
    thresholds: p.json<Record<string, string>>(),
    evidence: p.json<Record<string, unknown>>(),
    /** Ids of every contributing row: a cleared flag suppresses re-flagging for the same activity. */
    activityIds: p.array<string>(),
    raisedAt: p.datetime().defaultRaw('now()'),
    expiresAt: p.datetime(),
    expiredAt: p.datetime().nullable(),
    clearedAt: p.datetime().nullable(),
    clearedBy: p.string().length(128).nullable(),
    clearReason: p.string().length(500).nullable(),
  },
  indexes: [
    { properties: ['subjectId', 'subjectKind', 'status'] },
    { properties: ['status', 'expiresAt'] },
    { properties: ['raisedAt'] },
  ],
  uniques: [{ name: 'risk_flag_active_key_unique', properties: ['activeKey'] }],
  checks: [
    { name: 'risk_flag_status_check', expression: `status in ('ACTIVE', 'EXPIRED', 'CLEARED')` },
    { name: 'risk_flag_mode_check', expression: `mode in ('ENFORCE', 'SHADOW')` },
    { name: 'risk_flag_subject_kind_check', expression: `subject_kind in ('CUSTOMER', 'MERCHANT', 'RIDER')` },
    {
      name: 'risk_flag_active_key_check',
      expression: `(status = 'ACTIVE') = (active_key is not null)`,
    },
    {
      name: 'risk_flag_cleared_check',
      expression: `(status = 'CLEARED') = (cleared_at is not null and clear_reason is not null)`,
    },
  ],
});

export type RiskFlag = InstanceType<typeof RiskFlagSchema.class>;

/** One nightly sweep: the key (its business date) makes it run once however many workers start it. */
export const RiskSweepRunSchema = defineEntity({
  name: 'RiskSweepRun',
  tableName: 'risk_sweep_run',
  properties: {
    runKey: p.string().primary().length(64),
    asOf: p.datetime(),
    startedAt: p.datetime().defaultRaw('now()'),
    finishedAt: p.datetime().nullable(),
    customers: p.integer().default(0),
    raised: p.integer().default(0),
    expired: p.integer().default(0),
  },
});
