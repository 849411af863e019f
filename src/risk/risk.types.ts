import {
  ArgsType,
  Field,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  ObjectType,
  registerEnumType,
} from 'type-graphql';
import { connectionTypes, PageArgs } from '../graphql/index.js';
import type { BacktestResult } from './risk.backtest.js';
import type { RiskFlagRef, RiskFlagView, RiskRouting, RuleVersion } from './risk.model.js';
import type { RegisteredRule } from './rules/index.js';

export enum RiskRoutingEnum {
  NONE = 'NONE',
  REVIEW = 'REVIEW',
  BLOCK_AUTO_REFUND = 'BLOCK_AUTO_REFUND',
}
registerEnumType(RiskRoutingEnum, {
  name: 'RiskRouting',
  description: 'What the customer’s active ENFORCE flags did: manual review, or no automatic approval.',
});

export enum RiskActionEnum {
  REVIEW = 'REVIEW',
  BLOCK_AUTO_REFUND = 'BLOCK_AUTO_REFUND',
  WATCH = 'WATCH',
}
registerEnumType(RiskActionEnum, { name: 'RiskAction' });

export enum RiskRuleModeEnum {
  ENFORCE = 'ENFORCE',
  SHADOW = 'SHADOW',
  OFF = 'OFF',
}
registerEnumType(RiskRuleModeEnum, {
  name: 'RiskRuleMode',
  description: 'SHADOW records what the rule would have done without routing anything; OFF raises nothing.',
});

export enum RiskFlagStatusEnum {
  ACTIVE = 'ACTIVE',
  EXPIRED = 'EXPIRED',
  CLEARED = 'CLEARED',
}
registerEnumType(RiskFlagStatusEnum, { name: 'RiskFlagStatus' });

export enum RiskSubjectKindEnum {
  CUSTOMER = 'CUSTOMER',
  MERCHANT = 'MERCHANT',
  RIDER = 'RIDER',
}
registerEnumType(RiskSubjectKindEnum, {
  name: 'RiskSubjectKind',
  description: 'Customers are flagged against themselves; merchants and riders for the platform.',
});

@ObjectType('RiskFigure', { description: 'A named figure or threshold (integers; amounts in minor units).' })
export class RiskFigureType {
  @Field(() => String) name!: string;
  @Field(() => String) value!: string;
}

@ObjectType('RiskEvidence', { description: 'The rows behind a flag.' })
export class RiskEvidenceType {
  @Field(() => [ID]) refundIds!: string[];
  @Field(() => [ID]) orderIds!: string[];
  @Field(() => [ID]) caseIds!: string[];
  @Field(() => [String], { description: 'Accounts flagged together (a shared payer’s cluster).' })
  customerIds!: string[];
  @Field(() => String, { nullable: true }) payerAccount!: string | null;
}

@ObjectType('RiskFlag', { description: 'A flag a rule version raised, with why.' })
export class RiskFlagType {
  @Field(() => ID) id!: string;
  @Field(() => RiskSubjectKindEnum) subjectKind!: RiskSubjectKindEnum;
  @Field(() => String) subjectId!: string;
  @Field(() => String) ruleId!: string;
  @Field(() => Int) ruleVersion!: number;
  @Field(() => RiskActionEnum) action!: RiskActionEnum;
  @Field(() => RiskRuleModeEnum, { description: 'ENFORCE or SHADOW.' }) mode!: RiskRuleModeEnum;
  @Field(() => RiskFlagStatusEnum) status!: RiskFlagStatusEnum;
  @Field(() => String, { description: 'CASE, REFUND or SWEEP.' }) trigger!: string;
  @Field(() => String, { nullable: true }) triggerSubjectId!: string | null;
  @Field(() => [RiskFigureType]) figures!: RiskFigureType[];
  @Field(() => [RiskFigureType]) thresholds!: RiskFigureType[];
  @Field(() => RiskEvidenceType) evidence!: RiskEvidenceType;
  @Field(() => GraphQLISODateTime) raisedAt!: Date;
  @Field(() => GraphQLISODateTime) expiresAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) expiredAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) clearedAt!: Date | null;
  @Field(() => String, { nullable: true }) clearedBy!: string | null;
  @Field(() => String, { nullable: true }) clearReason!: string | null;
}

export const { Connection: RiskFlagConnection } = connectionTypes(RiskFlagType, 'RiskFlag');

@InputType('RiskFlagFilter')
export class RiskFlagFilterInput {
  @Field(() => String, { nullable: true }) ruleId?: string | null;
  @Field(() => RiskFlagStatusEnum, { nullable: true }) status?: RiskFlagStatusEnum | null;
  @Field(() => RiskActionEnum, { nullable: true }) action?: RiskActionEnum | null;
  @Field(() => RiskSubjectKindEnum, { nullable: true }) subjectKind?: RiskSubjectKindEnum | null;
  @Field(() => String, { nullable: true }) subjectId?: string | null;
  @Field(() => Int, { nullable: true, description: 'Raised at least this many hours ago.' })
  minAgeHours?: number | null;
  @Field(() => Int, { nullable: true, description: 'Raised at most this many hours ago.' })
  maxAgeHours?: number | null;
}

@ArgsType()
export class RiskFlagsArgs extends PageArgs {
  @Field(() => RiskFlagFilterInput, { nullable: true }) filter?: RiskFlagFilterInput | null;
}

@ObjectType('RiskFlagRef', { description: 'A flag as it stood when it routed something.' })
export class RiskFlagRefType {
  @Field(() => ID) id!: string;
  @Field(() => String) ruleId!: string;
  @Field(() => Int) ruleVersion!: number;
  @Field(() => RiskActionEnum) action!: RiskActionEnum;
  @Field(() => RiskRuleModeEnum) mode!: RiskRuleModeEnum;
}

@ObjectType('RefundRisk', {
  description: 'Whether a risk flag routed a refund request, and which flags were active.',
})
export class RefundRiskType {
  @Field(() => RiskRoutingEnum) routing!: RiskRoutingEnum;
  @Field(() => [RiskFlagRefType]) flags!: RiskFlagRefType[];
}

@ObjectType('RiskRuleVersion')
export class RiskRuleVersionType {
  @Field(() => Int) version!: number;
  @Field(() => [RiskFigureType]) params!: RiskFigureType[];
  @Field(() => RiskActionEnum) action!: RiskActionEnum;
  @Field(() => RiskRuleModeEnum) mode!: RiskRuleModeEnum;
  @Field(() => String) createdBy!: string;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => String, { nullable: true }) note!: string | null;
}

@ObjectType('RiskRule', { description: 'A rule and its current version.' })
export class RiskRuleType {
  @Field(() => ID) id!: string;
  @Field(() => String) title!: string;
  @Field(() => RiskSubjectKindEnum, { description: 'Whom it flags.' }) subjectKind!: RiskSubjectKindEnum;
  @Field(() => Int, { description: 'How long a flag it raises stays active.' }) windowDays!: number;
  @Field(() => RiskRuleVersionType) current!: RiskRuleVersionType;
}

@InputType('RiskParamInput')
export class RiskParamInput {
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'Integers as decimal strings; amounts in minor units.' })
  value!: string;
}

@InputType('UpdateRiskRuleInput')
export class UpdateRiskRuleInput {
  @Field(() => String) ruleId!: string;
  @Field(() => [RiskParamInput], { nullable: true, description: 'Parameters to change; others are kept.' })
  params?: RiskParamInput[] | null;
  @Field(() => RiskActionEnum, { nullable: true }) action?: RiskActionEnum | null;
  @Field(() => RiskRuleModeEnum, { nullable: true }) mode?: RiskRuleModeEnum | null;
  @Field(() => String, { nullable: true }) note?: string | null;
}

@InputType('RiskBacktestInput')
export class RiskBacktestInput {
  @Field(() => String) ruleId!: string;
  @Field(() => Int, { nullable: true, description: 'The version to replay; the current one when absent.' })
  version?: number | null;
  @Field(() => [RiskParamInput], {
    nullable: true,
    description: 'A proposed parameter set: changes over that version’s parameters.',
  })
  params?: RiskParamInput[] | null;
  @Field(() => GraphQLISODateTime) from!: Date;
  @Field(() => GraphQLISODateTime, { description: 'At most 92 days after `from`, not in the future.' })
  to!: Date;
  @Field(() => Int, { nullable: true, description: 'Flagged customers to show with figures (≤ 50; 10).' })
  sample?: number | null;
}

@ObjectType('RiskBacktestHit', { description: 'A customer the rule would have flagged, and what followed.' })
export class RiskBacktestHitType {
  @Field(() => String) customerId!: string;
  @Field(() => GraphQLISODateTime, { description: 'The first day-end evaluation that would have flagged.' })
  flaggedAt!: Date;
  @Field(() => [RiskFigureType]) figures!: RiskFigureType[];
  @Field(() => [RiskFigureType]) thresholds!: RiskFigureType[];
  @Field(() => Boolean, { description: 'A case reported at or after the flag was rejected.' })
  laterRejected!: boolean;
  @Field(() => Boolean, { description: 'A case reported at or after the flag was overturned on appeal.' })
  laterOverturned!: boolean;
}

@ObjectType('RiskBacktest', {
  description:
    'A rule version replayed over a past period: each day end, the customers with a refund or claim that day.',
})
export class RiskBacktestType {
  @Field(() => String) ruleId!: string;
  @Field(() => Int) version!: number;
  @Field(() => [RiskFigureType], { description: 'The parameters replayed (proposed changes applied).' })
  params!: RiskFigureType[];
  @Field(() => Boolean) proposed!: boolean;
  @Field(() => GraphQLISODateTime) from!: Date;
  @Field(() => GraphQLISODateTime) to!: Date;
  @Field(() => Int) customersEvaluated!: number;
  @Field(() => Int) flagged!: number;
  @Field(() => Int) laterRejected!: number;
  @Field(() => Int) laterOverturned!: number;
  @Field(() => Int) laterRejectedOrOverturned!: number;
  @Field(() => [RiskBacktestHitType]) sample!: RiskBacktestHitType[];
}

const pairs = (values: Readonly<Record<string, unknown>>): RiskFigureType[] =>
  Object.entries(values).map(([name, value]) =>
    Object.assign(new RiskFigureType(), { name, value: String(value) }),
  );

export function toRiskFlagType(view: RiskFlagView): RiskFlagType {
  const e = view.evidence;
  return Object.assign(new RiskFlagType(), {
    ...view,
    subjectKind: view.subjectKind as RiskSubjectKindEnum,
    action: view.action as RiskActionEnum,
    mode: view.mode as RiskRuleModeEnum,
    status: view.status as RiskFlagStatusEnum,
    figures: pairs(view.figures),
    thresholds: pairs(view.thresholds),
    evidence: Object.assign(new RiskEvidenceType(), {
      refundIds: [...(e.refundIds ?? [])],
      orderIds: [...(e.orderIds ?? [])],
      caseIds: [...(e.caseIds ?? [])],
      customerIds: [...(e.customerIds ?? [])],
      payerAccount: e.payerAccount ?? null,
    }),
  });
}

export function toRuleVersionType(version: RuleVersion): RiskRuleVersionType {
  return Object.assign(new RiskRuleVersionType(), {
    version: version.version,
    params: pairs(version.params),
    action: version.action as RiskActionEnum,
    mode: version.mode as RiskRuleModeEnum,
    createdBy: version.createdBy,
    createdAt: version.createdAt,
    note: version.note,
  });
}

export function toRiskRuleType(rule: RegisteredRule, version: RuleVersion): RiskRuleType {
  return Object.assign(new RiskRuleType(), {
    id: rule.id,
    title: rule.title,
    subjectKind: (rule.kind === 'CUSTOMER' ? 'CUSTOMER' : rule.subjectKind) as RiskSubjectKindEnum,
    windowDays: rule.windowDays,
    current: toRuleVersionType(version),
  });
}

export function toRefundRiskType(routing: RiskRouting, flags: readonly RiskFlagRef[]): RefundRiskType {
  return Object.assign(new RefundRiskType(), {
    routing: routing as RiskRoutingEnum,
    flags: flags.map((f) =>
      Object.assign(new RiskFlagRefType(), {
        ...f,
        action: f.action as RiskActionEnum,
        mode: f.mode as RiskRuleModeEnum,
      }),
    ),
  });
}

export function toBacktestType(result: BacktestResult): RiskBacktestType {
  return Object.assign(new RiskBacktestType(), {
    ...result,
    params: pairs(result.params),
    sample: result.sample.map((hit) =>
      Object.assign(new RiskBacktestHitType(), {
        ...hit,
        figures: pairs(hit.figures),
        thresholds: pairs(hit.thresholds),
      }),
    ),
  });
}
