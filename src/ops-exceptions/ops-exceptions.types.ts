import {
  ArgsType,
  Field,
  GraphQLISODateTime,
  ID,
  InputType,
  ObjectType,
  registerEnumType,
} from 'type-graphql';
import { connectionTypes, PageArgs } from '../graphql/index.js';
import { PaymentChannel } from '../payments/index.js';
import type { ExceptionFigure, ExceptionSeverity, OpsExceptionView } from './ops-exceptions.model.js';

/** GraphQL shapes of ops exceptions. Views are mapped explicitly; entities and raw payloads never reach the schema. */
export const ExceptionSeverityEnum = { LOW: 'LOW', MEDIUM: 'MEDIUM', HIGH: 'HIGH' } as const satisfies Record<
  ExceptionSeverity,
  ExceptionSeverity
>;
registerEnumType(ExceptionSeverityEnum, { name: 'OpsExceptionSeverity' });

@ObjectType('OpsExceptionFigure', {
  description: 'One figure on which our records and the provider disagree.',
})
export class ExceptionFigureType {
  @Field(() => String) field!: string;
  @Field(() => String, { nullable: true }) ours!: string | null;
  @Field(() => String, { nullable: true }) theirs!: string | null;
}

@ObjectType('OpsException', {
  description: 'Something support or finance must look at, e.g. a notify that does not match.',
})
export class OpsExceptionType {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'UNKNOWN_REFUND, UNKNOWN_PAYMENT, NOTIFY_MISMATCH, …' }) kind!: string;
  @Field(() => ExceptionSeverityEnum) severity!: ExceptionSeverity;
  @Field(() => PaymentChannel, { nullable: true }) channel!: PaymentChannel | null;
  @Field(() => String, { description: 'refund, order, payment (out_trade_no) or notify.' })
  referenceType!: string;
  @Field(() => String) referenceId!: string;
  @Field(() => String) reason!: string;
  @Field(() => String, { nullable: true, description: 'The provider’s notification id.' }) notifyId!:
    string | null;
  @Field(() => [ExceptionFigureType]) figures!: ExceptionFigureType[];
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => Boolean) resolved!: boolean;
  @Field(() => GraphQLISODateTime, { nullable: true }) resolvedAt!: Date | null;
  @Field(() => String, { nullable: true }) resolvedBy!: string | null;
  @Field(() => String, { nullable: true }) resolution!: string | null;
}

export const { Connection: OpsExceptionConnection } = connectionTypes(OpsExceptionType, 'OpsException');

@InputType('OpsExceptionFilter')
export class OpsExceptionFilterInput {
  @Field(() => Boolean, { nullable: true, description: 'Omit for both.' }) resolved?: boolean | null;
  @Field(() => String, { nullable: true }) kind?: string | null;
  @Field(() => ExceptionSeverityEnum, { nullable: true }) severity?: ExceptionSeverity | null;
}

@ArgsType()
export class OpsExceptionsArgs extends PageArgs {
  @Field(() => OpsExceptionFilterInput, { nullable: true }) filter?: OpsExceptionFilterInput | null;
}

export function toOpsExceptionType(view: OpsExceptionView): OpsExceptionType {
  return Object.assign(new OpsExceptionType(), {
    id: view.id,
    kind: view.kind,
    severity: view.severity,
    channel: view.channel === null ? null : PaymentChannel[view.channel],
    referenceType: view.referenceType,
    referenceId: view.referenceId,
    reason: view.reason,
    notifyId: view.notifyId,
    figures: view.figures.map(toFigureType),
    createdAt: view.createdAt,
    resolved: view.resolvedAt !== null,
    resolvedAt: view.resolvedAt,
    resolvedBy: view.resolvedBy,
    resolution: view.resolution,
  });
}

function toFigureType(figure: ExceptionFigure): ExceptionFigureType {
  return Object.assign(new ExceptionFigureType(), {
    field: String(figure.field),
    ours: figure.ours ?? null,
    theirs: figure.theirs ?? null,
  });
}
