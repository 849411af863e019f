import { z } from 'zod';
import { CASE_TYPES, type CaseType, type RuleRef, type Severity } from './cases.model.js';

/**
 * The rules that classify and review cases. Each is a pure function of its parameters; parameters are
 * versioned (admins add versions, never edit them) and the version used is recorded on the case.
 * Version 1 of every rule is the built-in default below; stored versions start at 2.
 */

const hoursByType = z.object(
  Object.fromEntries(
    CASE_TYPES.map((t) => [
      t,
      z
        .number()
        .int()
        .min(1)
        .max(24 * 365),
    ]),
  ) as Record<CaseType, z.ZodNumber>,
);
const caseTypeList = z.array(z.enum(CASE_TYPES)).max(CASE_TYPES.length);
const minor = z
  .string()
  .regex(/^\d{1,15}$/, 'an amount in minor units as a digit string')
  .transform((v) => BigInt(v));

export const RULE_PARAMS = {
  /** How long after delivery (or, undelivered, after the promised time) a claim of each type is accepted. */
  'claim-window': z.object({ hoursByType }).strict(),
  /** SEVERE by type, lateness, claimed amount or evidence; MINOR otherwise. */
  classification: z
    .object({
      severeTypes: caseTypeList,
      severeLatenessMinutes: z.number().int().min(1),
      severeAmountMinor: minor,
      /** Types where this much evidence (photos of a spill, of a wrong dish) makes a case SEVERE. */
      evidenceSevereTypes: caseTypeList,
      severeEvidenceCount: z.number().int().min(1).max(10),
    })
    .strict(),
  /** Approves small, clear refund claims at once; everything else goes to the support queue. */
  'auto-review': z
    .object({
      types: caseTypeList,
      severities: z.array(z.enum(['MINOR', 'SEVERE'])).max(2),
      maxAmountMinor: minor,
      evidenceRequiredTypes: caseTypeList,
      /** Claims the customer made in the 30 days before this one. */
      maxClaims30d: z.number().int().min(0),
      minLatenessMinutes: z.number().int().min(0),
    })
    .strict(),
} as const;

export type RuleId = keyof typeof RULE_PARAMS;
export type RuleParams<R extends RuleId> = z.output<(typeof RULE_PARAMS)[R]>;
export const RULE_IDS = Object.keys(RULE_PARAMS) as RuleId[];

/** Built-in defaults (version 1), in the stored (JSON) form. */
export const DEFAULT_RULE_PARAMS: { readonly [R in RuleId]: z.input<(typeof RULE_PARAMS)[R]> } = {
  'claim-window': {
    hoursByType: {
      LATE: 72,
      DAMAGED: 48,
      MISSING_ITEM: 24,
      WRONG_ITEM: 24,
      NOT_DELIVERED: 72,
      QUALITY: 168,
      OTHER: 72,
    },
  },
  classification: {
    severeTypes: ['NOT_DELIVERED', 'WRONG_ITEM'],
    severeLatenessMinutes: 60,
    severeAmountMinor: '10000',
    evidenceSevereTypes: ['DAMAGED', 'QUALITY'],
    severeEvidenceCount: 3,
  },
  'auto-review': {
    types: ['LATE', 'DAMAGED', 'MISSING_ITEM', 'QUALITY'],
    severities: ['MINOR'],
    maxAmountMinor: '5000',
    evidenceRequiredTypes: ['DAMAGED', 'QUALITY', 'WRONG_ITEM'],
    maxClaims30d: 3,
    minLatenessMinutes: 10,
  },
};

export interface ActiveRule<R extends RuleId> extends RuleRef {
  readonly ruleId: R;
  readonly params: RuleParams<R>;
}

/** The parameters every case decision reads, at the versions current when it was taken. */
export type RuleBook = { readonly [R in RuleId]: ActiveRule<R> };

export function parseRuleParams<R extends RuleId>(ruleId: R, raw: unknown): RuleParams<R> {
  return RULE_PARAMS[ruleId].parse(raw) as RuleParams<R>;
}

export function defaultRuleBook(): RuleBook {
  return {
    'claim-window': {
      ruleId: 'claim-window',
      version: 1,
      params: parseRuleParams('claim-window', DEFAULT_RULE_PARAMS['claim-window']),
    },
    classification: {
      ruleId: 'classification',
      version: 1,
      params: parseRuleParams('classification', DEFAULT_RULE_PARAMS.classification),
    },
    'auto-review': {
      ruleId: 'auto-review',
      version: 1,
      params: parseRuleParams('auto-review', DEFAULT_RULE_PARAMS['auto-review']),
    },
  };
}

export interface ClaimTiming {
  readonly type: CaseType;
  readonly now: Date;
  readonly orderCreatedAt: Date;
  readonly promisedAt: Date | null;
  readonly deliveredAt: Date | null;
}

/** When the claim window of this type closes: hours after delivery, or after the promise if undelivered. */
export function claimDeadline(rule: ActiveRule<'claim-window'>, timing: ClaimTiming): Date {
  const start = timing.deliveredAt ?? timing.promisedAt ?? timing.orderCreatedAt;
  return new Date(start.getTime() + rule.params.hoursByType[timing.type] * 3_600_000);
}

export interface ClassificationInput {
  readonly type: CaseType;
  readonly latenessSeconds: number | null;
  readonly claimedMinor: bigint;
  readonly evidenceCount: number;
}

export function classify(rule: ActiveRule<'classification'>, input: ClassificationInput): Severity {
  const p = rule.params;
  const severe =
    p.severeTypes.includes(input.type) ||
    (input.latenessSeconds !== null && input.latenessSeconds >= p.severeLatenessMinutes * 60) ||
    input.claimedMinor >= p.severeAmountMinor ||
    (p.evidenceSevereTypes.includes(input.type) && input.evidenceCount >= p.severeEvidenceCount);
  return severe ? 'SEVERE' : 'MINOR';
}

export interface ReviewFigures {
  readonly type: CaseType;
  readonly remedy: string;
  readonly severity: Severity;
  readonly claimedMinor: bigint;
  readonly evidenceCount: number;
  readonly latenessSeconds: number | null;
  readonly claims30d: number;
  readonly riskRouting: string;
}

export interface ReviewOutcome {
  readonly approve: boolean;
  /** Why the case goes to the queue (null when approved). */
  readonly reason: string | null;
}

/** Approve a refund claim automatically, or say why a human must look at it. */
export function autoReview(rule: ActiveRule<'auto-review'>, f: ReviewFigures): ReviewOutcome {
  const p = rule.params;
  const refuse = (reason: string): ReviewOutcome => ({ approve: false, reason });
  if (f.remedy !== 'FULL_REFUND' && f.remedy !== 'PARTIAL_REFUND') return refuse('remedy needs review');
  if (f.riskRouting !== 'NONE') return refuse(`risk: ${f.riskRouting}`);
  if (!p.types.includes(f.type)) return refuse('type needs review');
  if (!p.severities.includes(f.severity)) return refuse(`severity ${f.severity}`);
  if (f.claimedMinor > p.maxAmountMinor) return refuse('amount above the automatic limit');
  if (p.evidenceRequiredTypes.includes(f.type) && f.evidenceCount === 0) return refuse('no evidence');
  if (f.claims30d > p.maxClaims30d) return refuse('many recent claims');
  if (f.type === 'LATE' && (f.latenessSeconds ?? 0) < p.minLatenessMinutes * 60) return refuse('not late');
  return { approve: true, reason: null };
}
