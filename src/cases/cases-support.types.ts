import {
  ArgsType,
  Field,
  Float,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  ObjectType,
  registerEnumType,
} from 'type-graphql';
import { PageArgs } from '../graphql/index.js';
import { LiablePartyEnum } from '../refunds/index.js';
import type { AuditEntryView } from '../audit/index.js';
import type { AppealView } from './case.appeal.js';
import type { CaseMetrics } from './case.metrics.js';
import type { RuleVersionView } from './case-rules.store.js';
import { CaseStatusEnum, CaseType, CaseTypeEnum, SeverityEnum } from './cases.types.js';

export enum QueueSortEnum {
  OLDEST = 'OLDEST',
  NEWEST = 'NEWEST',
}
registerEnumType(QueueSortEnum, { name: 'CaseQueueSort' });

@InputType('CaseQueueFilter')
export class QueueFilterInput {
  @Field(() => [CaseStatusEnum], { nullable: true, description: 'Default: every open status.' })
  statuses?: CaseStatusEnum[] | null;
  @Field(() => CaseTypeEnum, { nullable: true }) type?: CaseTypeEnum | null;
  @Field(() => SeverityEnum, { nullable: true }) severity?: SeverityEnum | null;
  @Field(() => String, { nullable: true, description: 'An agent id; empty string for unassigned cases.' })
  assigneeId?: string | null;
  @Field(() => String, { nullable: true }) merchantId?: string | null;
  @Field(() => Int, { nullable: true, description: 'Only cases opened at least this many minutes ago.' })
  olderThanMinutes?: number | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) createdAfter?: Date | null;
}

@ArgsType()
export class QueueArgs extends PageArgs {
  @Field(() => QueueFilterInput, { nullable: true }) filter?: QueueFilterInput | null;
  @Field(() => QueueSortEnum, { nullable: true, description: 'Default OLDEST (first in, first out).' })
  sort?: QueueSortEnum | null;
}

@ObjectType('CaseStatusCount')
export class StatusCountType {
  @Field(() => CaseStatusEnum) status!: CaseStatusEnum;
  @Field(() => Int) count!: number;
}

@ObjectType('CaseAuditEntry', { description: 'One audited step of a case: who, what, before and after.' })
export class AuditEntryType {
  @Field(() => GraphQLISODateTime) occurredAt!: Date;
  @Field(() => String) actorId!: string;
  @Field(() => String) actorRole!: string;
  @Field(() => String) action!: string;
  @Field(() => String, { nullable: true, description: 'JSON.' }) before!: string | null;
  @Field(() => String, { nullable: true, description: 'JSON.' }) after!: string | null;
}

export function toAuditEntryType(view: AuditEntryView): AuditEntryType {
  return Object.assign(new AuditEntryType(), {
    occurredAt: view.occurredAt,
    actorId: view.actorId,
    actorRole: view.actorRole,
    action: view.action,
    before: view.before ? JSON.stringify(view.before) : null,
    after: view.after ? JSON.stringify(view.after) : null,
  });
}

@ObjectType('CaseAppeal', {
  description: 'A liable party’s appeal against a decision, and its second review.',
})
export class AppealType {
  @Field(() => ID) id!: string;
  @Field(() => ID) caseId!: string;
  @Field(() => ID) decisionId!: string;
  @Field(() => String) appellantRole!: string;
  @Field(() => String) statement!: string;
  @Field(() => [String]) evidence!: string[];
  @Field(() => String, { description: 'PENDING, UPHELD or OVERTURNED.' }) status!: string;
  @Field(() => LiablePartyEnum, { nullable: true }) newLiableParty!: LiablePartyEnum | null;
  @Field(() => String, { nullable: true }) reviewNote!: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) reviewedAt!: Date | null;
  @Field(() => ID, { nullable: true, description: 'The ledger entry that moved the cost.' }) ledgerEntryId!:
    string | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

export function toAppealType(view: AppealView): AppealType {
  return Object.assign(new AppealType(), {
    id: view.id,
    caseId: view.caseId,
    decisionId: view.decisionId,
    appellantRole: view.appellantRole,
    statement: view.statement,
    evidence: [...view.evidence],
    status: view.status,
    newLiableParty: view.newLiableKind as LiablePartyEnum | null,
    reviewNote: view.reviewNote,
    reviewedAt: view.reviewedAt,
    ledgerEntryId: view.ledgerEntryId,
    createdAt: view.createdAt,
  });
}

@ObjectType('CaseRuleVersion', {
  description: 'One version of a rule’s parameters (the newest is in force).',
})
export class RuleVersionType {
  @Field(() => String) ruleId!: string;
  @Field(() => Int) version!: number;
  @Field(() => String, { description: 'JSON parameters.' }) params!: string;
  @Field(() => String) createdBy!: string;
  @Field(() => String) note!: string;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Null for the built-in version 1.' })
  createdAt!: Date | null;
}

export function toRuleVersionType(view: RuleVersionView): RuleVersionType {
  return Object.assign(new RuleVersionType(), { ...view, params: JSON.stringify(view.params) });
}

@ObjectType('Percentiles')
export class PercentilesType {
  @Field(() => Float, { nullable: true }) p50!: number | null;
  @Field(() => Float, { nullable: true }) p90!: number | null;
}

@ObjectType('CaseMetrics', { description: 'After-sales metrics over the cases opened in a period.' })
export class MetricsType {
  @Field(() => GraphQLISODateTime) from!: Date;
  @Field(() => GraphQLISODateTime) to!: Date;
  @Field(() => Int) cases!: number;
  @Field(() => String, { description: 'JSON { type: count }.' }) byType!: string;
  @Field(() => String, { description: 'JSON { severity: count }.' }) bySeverity!: string;
  @Field(() => String, { description: 'JSON { outcome | OPEN: count }.' }) byOutcome!: string;
  @Field(() => String, { description: 'JSON { channel: count }.' }) byChannel!: string;
  @Field(() => Int) autoApproved!: number;
  @Field(() => Float, { nullable: true }) autoApprovalRate!: number | null;
  @Field(() => PercentilesType) firstReviewSeconds!: PercentilesType;
  @Field(() => PercentilesType) resolutionSeconds!: PercentilesType;
  @Field(() => Int) refundsSettled!: number;
  @Field(() => PercentilesType) refundSettleSeconds!: PercentilesType;
  @Field(() => Int, { description: 'Of refundsSettled, those settled within the 24 h promise.' })
  refundsSettledWithin24h!: number;
  @Field(() => String, { description: 'JSON { liable party: minor units }.' }) refundTotalsByLiable!: string;
  @Field(() => String, { description: 'JSON { liable party: minor units }.' }) couponTotalsByLiable!: string;
  @Field(() => Int) appeals!: number;
  @Field(() => Float, { nullable: true }) appealRate!: number | null;
  @Field(() => Int) overturned!: number;
  @Field(() => Float, { nullable: true }) overturnRate!: number | null;
  @Field(() => Int) ratings!: number;
  @Field(() => Float, { nullable: true }) averageRating!: number | null;
}

export function toMetricsType(m: CaseMetrics): MetricsType {
  return Object.assign(new MetricsType(), {
    ...m,
    byType: JSON.stringify(m.byType),
    bySeverity: JSON.stringify(m.bySeverity),
    byOutcome: JSON.stringify(m.byOutcome),
    byChannel: JSON.stringify(m.byChannel),
    refundTotalsByLiable: JSON.stringify(m.refundTotalsByLiable),
    couponTotalsByLiable: JSON.stringify(m.couponTotalsByLiable),
    firstReviewSeconds: Object.assign(new PercentilesType(), m.firstReviewSeconds),
    resolutionSeconds: Object.assign(new PercentilesType(), m.resolutionSeconds),
    refundSettleSeconds: Object.assign(new PercentilesType(), m.refundSettleSeconds),
  });
}

@ObjectType('SimilarCases', {
  description: 'Recent cases of the same type, with their outcomes, for the reviewer.',
})
export class SimilarCasesType {
  @Field(() => [CaseType]) customer!: CaseType[];
  @Field(() => [CaseType]) merchant!: CaseType[];
  @Field(() => [CaseType]) rider!: CaseType[];
}
