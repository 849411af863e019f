import type {
  CustomerFigures,
  CustomerRule,
  FigurePart,
  PlatformFigures,
  PlatformRule,
  RuleHit,
} from '../risk.model.js';
import { merchantClaimOutlierRule, riderClaimOutlierRule } from './claim-outlier.rule.js';
import { claimTimingRule } from './claim-timing.rule.js';
import { claimsWithoutEvidenceRule } from './claims-without-evidence.rule.js';
import { refundAmountRule } from './refund-amount.rule.js';
import { refundFrequencyRule } from './refund-frequency.rule.js';
import { refundOrderRatioRule } from './refund-order-ratio.rule.js';
import { sharedPayerRule } from './shared-payer.rule.js';

type ParseResult = { ok: true; params: unknown } | { ok: false; message: string };

interface RuleBase {
  readonly id: string;
  readonly title: string;
  readonly windowDays: number;
  parseParams(raw: unknown): ParseResult;
}

/** A rule with its parameter type erased: its parameters are parsed by its own schema before use. */
export type RegisteredRule =
  | (RuleBase & {
      readonly kind: 'CUSTOMER';
      readonly cluster: boolean;
      readonly needs: readonly FigurePart[];
      evaluate(figures: CustomerFigures, params: unknown): RuleHit | null;
    })
  | (RuleBase & {
      readonly kind: 'PLATFORM';
      readonly subjectKind: 'MERCHANT' | 'RIDER';
      evaluate(figures: PlatformFigures, params: unknown): RuleHit | null;
    });

export type RegisteredCustomerRule = Extract<RegisteredRule, { kind: 'CUSTOMER' }>;
export type RegisteredPlatformRule = Extract<RegisteredRule, { kind: 'PLATFORM' }>;

function parser<P>(schema: CustomerRule<P>['params']): (raw: unknown) => ParseResult {
  return (raw) => {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return { ok: true, params: parsed.data };
    const issue = parsed.error.issues[0];
    return { ok: false, message: `${issue?.path.join('.') || 'params'}: ${issue?.message ?? 'invalid'}` };
  };
}

// Both evaluate wrappers are only ever called with what parseParams returned for the same rule.
function customer<P>(rule: CustomerRule<P>): RegisteredCustomerRule {
  const { id, title, windowDays } = rule;
  const evaluate = (figures: CustomerFigures, params: unknown) => rule.evaluate(figures, params as P);
  return {
    kind: 'CUSTOMER',
    id,
    title,
    windowDays,
    cluster: rule.cluster ?? false,
    needs: rule.needs,
    parseParams: parser(rule.params),
    evaluate,
  };
}

function platform<P>(rule: PlatformRule<P>): RegisteredPlatformRule {
  const { id, title, windowDays, subjectKind } = rule;
  const evaluate = (figures: PlatformFigures, params: unknown) => rule.evaluate(figures, params as P);
  return { kind: 'PLATFORM', id, title, windowDays, subjectKind, parseParams: parser(rule.params), evaluate };
}

/** Rules over one customer's figures, evaluated online and by the sweep. Adding one: a file and a line. */
export const CUSTOMER_RULES: readonly RegisteredCustomerRule[] = [
  customer(refundFrequencyRule),
  customer(refundOrderRatioRule),
  customer(refundAmountRule),
  customer(claimsWithoutEvidenceRule),
  customer(claimTimingRule),
  customer(sharedPayerRule),
];

/** Rules over merchants and riders (for the platform), evaluated by the nightly sweep. */
export const PLATFORM_RULES: readonly RegisteredPlatformRule[] = [
  platform(merchantClaimOutlierRule),
  platform(riderClaimOutlierRule),
];
