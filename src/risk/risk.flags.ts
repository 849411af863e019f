import { newId, type Sql } from '../db/index.js';
import type {
  FigureValue,
  RiskEvidence,
  RiskFlagRef,
  RiskSubjectKind,
  RiskTrigger,
  RuleHit,
} from './risk.model.js';
import type { ActiveRule } from './risk.rules-store.js';

/** A flag about to be raised: which rule version saw what, about whom, and until when it holds. */
export interface FlagDraft {
  readonly subjectKind: RiskSubjectKind;
  readonly subjectId: string;
  readonly active: ActiveRule;
  readonly hit: RuleHit;
  readonly trigger: RiskTrigger;
  readonly triggerSubjectId: string | null;
  readonly expiresAt: Date;
}

export interface RaisedFlag extends RiskFlagRef {
  readonly subjectKind: RiskSubjectKind;
  readonly subjectId: string;
}

const DAY_MS = 86_400_000;

/** The drafts of one rule's hit: one per subject, or one per account of a cluster. */
export function draftsOf(
  active: ActiveRule,
  hit: RuleHit,
  subject: { kind: RiskSubjectKind; id: string },
  at: { asOf: Date; trigger: RiskTrigger; triggerSubjectId: string | null },
): FlagDraft[] {
  const cluster = active.rule.kind === 'CUSTOMER' && active.rule.cluster;
  const subjects = cluster && hit.evidence.customerIds ? hit.evidence.customerIds : [subject.id];
  const expiresAt = new Date(at.asOf.getTime() + active.rule.windowDays * DAY_MS);
  return subjects.map((subjectId) => ({
    subjectKind: subject.kind,
    subjectId,
    active,
    hit,
    trigger: at.trigger,
    triggerSubjectId: at.triggerSubjectId,
    expiresAt,
  }));
}

function text(values: Readonly<Record<string, FigureValue>>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
}

export function activityIds(evidence: RiskEvidence): string[] {
  const ids = [
    ...(evidence.refundIds ?? []),
    ...(evidence.orderIds ?? []),
    ...(evidence.caseIds ?? []),
    ...(evidence.customerIds ?? []),
    ...(evidence.payerAccount ? [`payer:${evidence.payerAccount}`] : []),
  ];
  return [...new Set(ids)].sort();
}

/**
 * Inserts the drafts as ACTIVE flags in one statement. A subject keeps one active flag per rule
 * version (the unique active key); a flag support cleared suppresses the same rule version for the
 * same activity (every contributing id already covered). Returns the flags actually raised.
 */
export async function raiseFlags(sql: Sql, drafts: readonly FlagDraft[]): Promise<RaisedFlag[]> {
  const raising = drafts.filter((d) => d.active.version.mode !== 'OFF');
  if (raising.length === 0) return [];
  const rows = raising.map((d) => ({
    id: newId('rk'),
    subject_kind: d.subjectKind,
    subject_id: d.subjectId,
    rule_id: d.active.version.ruleId,
    rule_version: d.active.version.version,
    action: d.active.version.action,
    mode: d.active.version.mode,
    trigger: d.trigger,
    trigger_subject_id: d.triggerSubjectId,
    figures: text(d.hit.figures),
    thresholds: text(d.hit.thresholds),
    evidence: d.hit.evidence,
    activity_ids: activityIds(d.hit.evidence),
    expires_at: d.expiresAt.toISOString(),
  }));
  return sql.rows<RaisedFlag>(
    `insert into risk_flag (id, subject_kind, subject_id, rule_id, rule_version, action, mode, status, active_key,
                            trigger, trigger_subject_id, figures, thresholds, evidence, activity_ids, expires_at)
     select f.id, f.subject_kind, f.subject_id, f.rule_id, f.rule_version, f.action, f.mode, 'ACTIVE',
            concat_ws(':', f.subject_kind, f.subject_id, f.rule_id, f.rule_version),
            f.trigger, f.trigger_subject_id, f.figures, f.thresholds, f.evidence, f.activity_ids, f.expires_at
       from jsonb_to_recordset($1::jsonb) as f(id text, subject_kind text, subject_id text, rule_id text,
              rule_version int, action text, mode text, trigger text, trigger_subject_id text, figures jsonb,
              thresholds jsonb, evidence jsonb, activity_ids text[], expires_at timestamptz)
      where not exists (select 1 from risk_flag c
                         where c.subject_id = f.subject_id and c.subject_kind = f.subject_kind
                           and c.status = 'CLEARED' and c.rule_id = f.rule_id
                           and c.rule_version = f.rule_version and c.activity_ids @> f.activity_ids)
     on conflict (active_key) do nothing
     returning id, subject_kind as "subjectKind", subject_id as "subjectId", rule_id as "ruleId",
               rule_version as "ruleVersion", action, mode`,
    [JSON.stringify(rows)],
  );
}
