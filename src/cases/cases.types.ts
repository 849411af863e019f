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
import { BACK_OFFICE, Role, type Viewer } from '../auth/index.js';
import { connectionTypes, PageArgs } from '../graphql/index.js';
import { MoneyInput, MoneyType, toMoneyType } from '../money/index.js';
import { LiablePartyEnum } from '../refunds/index.js';
import type { CaseView, CouponRedemption, DecisionView } from './cases.model.js';

export enum CaseTypeEnum {
  LATE = 'LATE',
  DAMAGED = 'DAMAGED',
  MISSING_ITEM = 'MISSING_ITEM',
  WRONG_ITEM = 'WRONG_ITEM',
  NOT_DELIVERED = 'NOT_DELIVERED',
  QUALITY = 'QUALITY',
  OTHER = 'OTHER',
}
registerEnumType(CaseTypeEnum, { name: 'CaseType', description: 'What went wrong with the order.' });

export enum RemedyEnum {
  FULL_REFUND = 'FULL_REFUND',
  PARTIAL_REFUND = 'PARTIAL_REFUND',
  COUPON = 'COUPON',
  REDELIVERY = 'REDELIVERY',
}
registerEnumType(RemedyEnum, { name: 'Remedy', description: 'What the customer asks for.' });

export enum DecisionKindEnum {
  FULL_REFUND = 'FULL_REFUND',
  PARTIAL_REFUND = 'PARTIAL_REFUND',
  COUPON = 'COUPON',
  REDELIVERY = 'REDELIVERY',
  REJECT = 'REJECT',
}
registerEnumType(DecisionKindEnum, { name: 'CaseDecisionKind' });

export enum CaseStatusEnum {
  IN_REVIEW = 'IN_REVIEW',
  AWAITING_EVIDENCE = 'AWAITING_EVIDENCE',
  AWAITING_CUSTOMER = 'AWAITING_CUSTOMER',
  EXECUTING = 'EXECUTING',
  MANUAL_FOLLOW_UP = 'MANUAL_FOLLOW_UP',
  RESOLVED = 'RESOLVED',
}
registerEnumType(CaseStatusEnum, {
  name: 'CaseStatus',
  description:
    'IN_REVIEW: in the support queue; AWAITING_EVIDENCE / AWAITING_CUSTOMER: waiting for the customer; ' +
    'EXECUTING: a refund is under way; MANUAL_FOLLOW_UP: the refund did not go through; RESOLVED: final.',
});

export enum CaseChannelEnum {
  APP = 'APP',
  PHONE = 'PHONE',
  SYSTEM = 'SYSTEM',
}
registerEnumType(CaseChannelEnum, { name: 'CaseChannel' });

export enum SeverityEnum {
  MINOR = 'MINOR',
  SEVERE = 'SEVERE',
}
registerEnumType(SeverityEnum, { name: 'CaseSeverity' });

@ObjectType('RuleRef', { description: 'A rule and the version of its parameters that was applied.' })
export class RuleRefType {
  @Field(() => String) ruleId!: string;
  @Field(() => Int) version!: number;
  @Field(() => String, { nullable: true, description: 'JSON figures the rule used.' }) figures!:
    string | null;
}

@ObjectType('Case', { description: 'An after-sales case on one order.' })
export class CaseType {
  @Field(() => ID) id!: string;
  @Field(() => ID) orderId!: string;
  @Field(() => String) customerId!: string;
  @Field(() => String) merchantId!: string;
  @Field(() => String, { nullable: true }) riderId!: string | null;
  @Field(() => CaseTypeEnum) type!: CaseTypeEnum;
  @Field(() => CaseChannelEnum) channel!: CaseChannelEnum;
  @Field(() => String, { description: 'CUSTOMER, SUPPORT or SYSTEM.' }) reporterRole!: string;
  @Field(() => String, { nullable: true, description: 'Staff identities are shown to the back office only.' })
  reporterId!: string | null;
  @Field(() => String) description!: string;
  @Field(() => [String]) evidence!: string[];
  @Field(() => RemedyEnum) requestedRemedy!: RemedyEnum;
  @Field(() => MoneyType, { nullable: true }) requestedAmount!: MoneyType | null;
  @Field(() => MoneyType) orderTotal!: MoneyType;
  @Field(() => Int, { nullable: true, description: 'Seconds past the promised time.' }) latenessSeconds!:
    number | null;
  @Field(() => Int, { nullable: true, description: 'Seconds from delivery to the report.' })
  claimDelaySeconds!: number | null;
  @Field(() => CaseStatusEnum) status!: CaseStatusEnum;
  @Field(() => SeverityEnum, { nullable: true }) severity!: SeverityEnum | null;
  @Field(() => RuleRefType, { nullable: true }) classification!: RuleRefType | null;
  @Field(() => RuleRefType, {
    nullable: true,
    description: 'The auto-review rule that decided or routed it.',
  })
  review!: RuleRefType | null;
  @Field(() => String, { nullable: true, description: 'JSON risk assessment (back office only).' })
  risk!: string | null;
  @Field(() => String, { nullable: true, description: 'Back office only.' }) assigneeId!: string | null;
  @Field(() => Boolean) autoDecided!: boolean;
  @Field(() => DecisionKindEnum, { nullable: true }) outcome!: DecisionKindEnum | null;
  @Field(() => String, { nullable: true }) liableParty!: string | null;
  @Field(() => Int, { nullable: true }) rating!: number | null;
  @Field(() => String, { nullable: true }) ratingComment!: string | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) firstReviewedAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) resolvedAt!: Date | null;
}

export const { Connection: CaseConnection } = connectionTypes(CaseType, 'Case');

@InputType('ReportCaseInput')
export class ReportCaseInputType {
  @Field(() => ID) orderId!: string;
  @Field(() => CaseTypeEnum) type!: CaseTypeEnum;
  @Field(() => String, { description: '1–2000 characters.' }) description!: string;
  @Field(() => [String], { nullable: true, description: 'Up to 10 http(s) URLs of at most 500 characters.' })
  evidence?: string[] | null;
  @Field(() => RemedyEnum) remedy!: RemedyEnum;
  @Field(() => MoneyInput, { nullable: true, description: 'For PARTIAL_REFUND and COUPON only.' })
  amount?: MoneyInput | null;
}

@InputType('OpenCaseOnBehalfInput')
export class OpenCaseOnBehalfInputType extends ReportCaseInputType {
  @Field(() => String, { description: 'The customer who called; the order must be theirs.' })
  customerId!: string;
}

@ArgsType()
export class MyCasesArgs extends PageArgs {}

export function toCaseType(view: CaseView, viewer: Viewer): CaseType {
  const backOffice = BACK_OFFICE.includes(viewer.role);
  const staff = view.reporterRole !== 'CUSTOMER';
  const ruleRef = (
    ref: { ruleId: string; version: number; figures?: Record<string, unknown> | null } | null,
  ): RuleRefType | null =>
    ref === null
      ? null
      : Object.assign(new RuleRefType(), {
          ruleId: ref.ruleId,
          version: ref.version,
          figures: ref.figures ? JSON.stringify(ref.figures) : null,
        });
  return Object.assign(new CaseType(), {
    id: view.id,
    orderId: view.orderId,
    customerId: view.customerId,
    merchantId: view.merchantId,
    riderId: view.riderId,
    type: view.type as CaseTypeEnum,
    channel: view.channel as CaseChannelEnum,
    reporterRole: view.reporterRole,
    reporterId: backOffice || !staff ? view.reporterId : null,
    description: view.description,
    evidence: [...view.evidence],
    requestedRemedy: view.requestedRemedy as RemedyEnum,
    requestedAmount: view.requestedAmount ? toMoneyType(view.requestedAmount) : null,
    orderTotal: toMoneyType(view.orderTotal),
    latenessSeconds: view.latenessSeconds,
    claimDelaySeconds: view.claimDelaySeconds,
    status: view.status as CaseStatusEnum,
    severity: view.severity as SeverityEnum | null,
    classification: ruleRef(view.classification),
    review: backOffice ? ruleRef(view.review) : null,
    risk: backOffice && view.risk ? JSON.stringify(view.risk) : null,
    assigneeId: backOffice ? view.assigneeId : null,
    autoDecided: view.autoDecided,
    outcome: view.outcome as DecisionKindEnum | null,
    liableParty: view.liableKind,
    rating: view.rating,
    ratingComment: view.ratingComment,
    createdAt: view.createdAt,
    firstReviewedAt: view.firstReviewedAt,
    resolvedAt: view.resolvedAt,
  });
}

@ObjectType('CaseDecision', { description: 'A decision on a case and how far its execution went.' })
export class DecisionType {
  @Field(() => ID) id!: string;
  @Field(() => Int, { description: '1 for the first decision on the case, then 2, …' }) seq!: number;
  @Field(() => DecisionKindEnum) kind!: DecisionKindEnum;
  @Field(() => MoneyType, { nullable: true }) amount!: MoneyType | null;
  @Field(() => LiablePartyEnum) liableParty!: LiablePartyEnum;
  @Field(() => String) note!: string;
  @Field(() => String, { description: 'CUSTOMER-facing: SUPPORT or SYSTEM; staff ids for the back office.' })
  decidedRole!: string;
  @Field(() => String, { nullable: true }) decidedBy!: string | null;
  @Field(() => Boolean) auto!: boolean;
  @Field(() => RuleRefType, { nullable: true }) rule!: RuleRefType | null;
  @Field(() => String, { description: 'PROPOSED, EXECUTING, DONE, DECLINED or FAILED.' }) status!: string;
  @Field(() => GraphQLISODateTime, { nullable: true }) respondBy!: Date | null;
  @Field(() => String, { nullable: true, description: 'ACCEPTED, DECLINED or TIMEOUT.' }) response!:
    string | null;
  @Field(() => ID, { nullable: true }) refundId!: string | null;
  @Field(() => String, { nullable: true, description: 'The coupon code (customer and back office).' })
  couponCode!: string | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) executedAt!: Date | null;
}

@ObjectType('DecideCasePayload')
export class DecideCasePayload {
  @Field(() => CaseType) case!: CaseType;
  @Field(() => DecisionType) decision!: DecisionType;
  @Field(() => Boolean, { description: 'True when this decision had already been taken (a resubmission).' })
  replayed!: boolean;
}

@InputType('DecideCaseInput')
export class DecideCaseInputType {
  @Field(() => ID) caseId!: string;
  @Field(() => DecisionKindEnum) kind!: DecisionKindEnum;
  @Field(() => MoneyInput, { nullable: true, description: 'PARTIAL_REFUND and COUPON only.' })
  amount?: MoneyInput | null;
  @Field(() => LiablePartyEnum) liableParty!: LiablePartyEnum;
  @Field(() => String, { description: 'Why (shown to the customer with the decision).' }) note!: string;
}

export function toDecisionType(view: DecisionView, viewer: Viewer): DecisionType {
  const backOffice = BACK_OFFICE.includes(viewer.role);
  const customer = viewer.role === Role.CUSTOMER;
  return Object.assign(new DecisionType(), {
    id: view.id,
    seq: view.seq,
    kind: view.kind as DecisionKindEnum,
    amount: view.amount ? toMoneyType(view.amount) : null,
    liableParty: view.liableKind as LiablePartyEnum,
    note: view.note,
    decidedRole: view.decidedRole,
    decidedBy: backOffice ? view.decidedBy : null,
    auto: view.auto,
    rule: view.rule
      ? Object.assign(new RuleRefType(), {
          ruleId: view.rule.ruleId,
          version: view.rule.version,
          figures: backOffice && view.figures ? JSON.stringify(view.figures) : null,
        })
      : null,
    status: view.status,
    respondBy: view.respondBy,
    response: view.response,
    refundId: view.refundId,
    couponCode: backOffice || customer ? view.couponCode : null,
    createdAt: view.createdAt,
    executedAt: view.executedAt,
  });
}

@ObjectType('CaseCouponRedemption', { description: 'A case coupon redeemed on an order.' })
export class CouponRedemptionType {
  @Field(() => String) code!: string;
  @Field(() => ID) caseId!: string;
  @Field(() => MoneyType) amount!: MoneyType;
  @Field(() => ID, { description: 'The order the coupon was redeemed on.' }) orderId!: string;
  @Field(() => GraphQLISODateTime) redeemedAt!: Date;
  @Field(() => Boolean, { description: 'True when this order had already redeemed it (same answer).' })
  replayed!: boolean;
}

export function toCouponRedemptionType(r: CouponRedemption): CouponRedemptionType {
  return Object.assign(new CouponRedemptionType(), {
    code: r.code,
    caseId: r.caseId,
    amount: toMoneyType(r.amount),
    orderId: r.orderId,
    redeemedAt: r.redeemedAt,
    replayed: r.replayed,
  });
}

@ObjectType('Redelivery', { description: 'An order the order system must deliver again.' })
export class RedeliveryType {
  @Field(() => ID, { description: 'Increasing; pass the last one seen as `after`.' }) id!: string;
  @Field(() => ID) caseId!: string;
  @Field(() => ID) orderId!: string;
  @Field(() => String) merchantId!: string;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}
