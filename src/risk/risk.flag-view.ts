import { toDate } from '../db/index.js';
import type {
  RiskAction,
  RiskEvidence,
  RiskFlagMode,
  RiskFlagStatus,
  RiskFlagView,
  RiskSubjectKind,
  RiskTrigger,
} from './risk.model.js';

export const FLAG_COLUMNS = `id, subject_kind, subject_id, rule_id, rule_version, action, mode, status, trigger,
  trigger_subject_id, figures, thresholds, evidence, raised_at, expires_at, expired_at, cleared_at, cleared_by,
  clear_reason`;

export interface FlagRow {
  id: string;
  subject_kind: RiskSubjectKind;
  subject_id: string;
  rule_id: string;
  rule_version: number;
  action: RiskAction;
  mode: RiskFlagMode;
  status: RiskFlagStatus;
  trigger: RiskTrigger;
  trigger_subject_id: string | null;
  figures: Record<string, string>;
  thresholds: Record<string, string>;
  evidence: RiskEvidence;
  raised_at: Date;
  expires_at: Date;
  expired_at: Date | null;
  cleared_at: Date | null;
  cleared_by: string | null;
  clear_reason: string | null;
}

export function toFlagView(row: FlagRow): RiskFlagView {
  return {
    id: row.id,
    subjectKind: row.subject_kind,
    subjectId: row.subject_id,
    ruleId: row.rule_id,
    ruleVersion: row.rule_version,
    action: row.action,
    mode: row.mode,
    status: row.status,
    trigger: row.trigger,
    triggerSubjectId: row.trigger_subject_id,
    figures: row.figures,
    thresholds: row.thresholds,
    evidence: row.evidence,
    raisedAt: toDate(row.raised_at),
    expiresAt: toDate(row.expires_at),
    expiredAt: row.expired_at === null ? null : toDate(row.expired_at),
    clearedAt: row.cleared_at === null ? null : toDate(row.cleared_at),
    clearedBy: row.cleared_by,
    clearReason: row.clear_reason,
  };
}
