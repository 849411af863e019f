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
import { BACK_OFFICE, type Viewer } from '../auth/index.js';
import { connectionTypes, PageArgs } from '../graphql/index.js';
import { MoneyInput, MoneyType, toMoneyType } from '../money/index.js';
import { PaymentChannel } from '../payments/index.js';
import type { RefundEventView, RefundView } from './refund.model.js';
import { REFUND_STATUSES, type RefundStatus } from './refund.state.js';

/** The GraphQL enum of refund.state.ts's statuses (a name → value object, as type-graphql takes enums). */
const RefundStatusEnum = Object.fromEntries(REFUND_STATUSES.map((status) => [status, status])) as {
  readonly [S in RefundStatus]: S;
};
registerEnumType(RefundStatusEnum, { name: 'RefundStatus' });

export enum LiablePartyEnum {
  MERCHANT = 'MERCHANT',
  RIDER = 'RIDER',
  PLATFORM = 'PLATFORM',
}
registerEnumType(LiablePartyEnum, { name: 'LiableParty', description: 'Who bears the cost of a refund.' });

@ObjectType('Refund', { description: 'A refund command and where it stands.' })
export class RefundType {
  @Field(() => ID, { description: 'Also the provider’s out_refund_no / out_request_no.' }) id!: string;
  @Field(() => ID) paymentId!: string;
  @Field(() => ID) orderId!: string;
  @Field(() => String) customerId!: string;
  @Field(() => String) merchantId!: string;
  @Field(() => PaymentChannel) channel!: PaymentChannel;
  @Field(() => MoneyType) amount!: MoneyType;
  @Field(() => String) reason!: string;
  @Field(() => LiablePartyEnum) liableParty!: LiablePartyEnum;
  @Field(() => String, { nullable: true }) liablePartyId!: string | null;
  @Field(() => String, { nullable: true }) caseId!: string | null;
  @Field(() => RefundStatusEnum) status!: RefundStatus;
  @Field(() => String, { nullable: true, description: 'PROVIDER or MANUAL once SUCCEEDED.' }) settledBy!:
    string | null;
  @Field(() => String, { nullable: true }) providerRefundId!: string | null;
  @Field(() => Int, { description: 'Submissions to the provider so far.' }) attempts!: number;
  @Field(() => String, { nullable: true }) lastErrorCode!: string | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) finalizedAt!: Date | null;
}

@ObjectType('RefundEvent', { description: 'One step of a refund’s audit chain.' })
export class RefundEventType {
  @Field(() => ID) id!: string;
  @Field(() => RefundStatusEnum, { nullable: true }) fromStatus!: RefundStatus | null;
  @Field(() => RefundStatusEnum) toStatus!: RefundStatus;
  @Field(() => String, { description: 'REQUEST, SUBMIT_RESPONSE, NOTIFY, POLL, SUPPORT or WORKER.' })
  source!: string;
  @Field(() => String, {
    nullable: true,
    description:
      'Who acted: shown to the back office, and to a customer or merchant only when it was themselves; others see the role alone.',
  })
  actorId!: string | null;
  @Field(() => String) actorRole!: string;
  @Field(() => String, { nullable: true, description: 'JSON details (provider status, note, error code).' })
  detail!: string | null;
  @Field(() => GraphQLISODateTime) occurredAt!: Date;
}

@ObjectType('RequestRefundPayload')
export class RequestRefundPayload {
  @Field(() => RefundType) refund!: RefundType;
  @Field(() => Boolean, { description: 'True when this idempotency key had already created the refund.' })
  replayed!: boolean;
}

@InputType('RequestRefundInput')
export class RequestRefundInputType {
  @Field(() => String, {
    description: 'Scoped to the caller; reuse it to retry safely (8–200 printable ASCII).',
  })
  idempotencyKey!: string;
  @Field(() => ID, { nullable: true }) paymentId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Instead of paymentId when the order has one payment.' })
  orderId?: string | null;
  @Field(() => MoneyInput) amount!: MoneyInput;
  @Field(() => String) reason!: string;
  @Field(() => LiablePartyEnum) liableParty!: LiablePartyEnum;
  @Field(() => ID, { nullable: true }) caseId?: string | null;
}

@InputType('RefundFilter')
export class RefundFilterInput {
  @Field(() => RefundStatusEnum, { nullable: true }) status?: RefundStatus | null;
  @Field(() => PaymentChannel, { nullable: true }) channel?: PaymentChannel | null;
  @Field(() => ID, { nullable: true }) paymentId?: string | null;
  @Field(() => ID, { nullable: true }) orderId?: string | null;
  @Field(() => String, { nullable: true }) customerId?: string | null;
  @Field(() => String, { nullable: true }) merchantId?: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) createdFrom?: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) createdTo?: Date | null;
}

@ArgsType()
export class RefundsArgs extends PageArgs {
  @Field(() => RefundFilterInput, { nullable: true }) filter?: RefundFilterInput | null;
}

export const { Connection: RefundConnection } = connectionTypes(RefundType, 'Refund');

export function toRefundType(view: RefundView): RefundType {
  return Object.assign(new RefundType(), {
    id: view.id,
    paymentId: view.paymentId,
    orderId: view.orderId,
    customerId: view.customerId,
    merchantId: view.merchantId,
    channel: view.channel as PaymentChannel,
    amount: toMoneyType(view.amount),
    reason: view.reason,
    liableParty: view.liable.kind as LiablePartyEnum,
    liablePartyId: 'id' in view.liable ? view.liable.id : null,
    caseId: view.caseId,
    status: view.status,
    settledBy: view.settledBy,
    providerRefundId: view.providerRefundId,
    attempts: view.attempts,
    lastErrorCode: view.lastErrorCode,
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
    finalizedAt: view.finalizedAt,
  });
}

/** Staff identities are for the back office: a customer or merchant sees the actor's role only. */
export function toRefundEventType(view: RefundEventView, viewer: Viewer): RefundEventType {
  const showActor = BACK_OFFICE.includes(viewer.role) || view.actorId === viewer.subject;
  return Object.assign(new RefundEventType(), {
    id: view.id,
    fromStatus: view.fromStatus,
    toStatus: view.toStatus,
    source: view.source,
    actorId: showActor ? view.actorId : null,
    actorRole: view.actorRole,
    detail: view.detail === null ? null : JSON.stringify(view.detail),
    occurredAt: view.occurredAt,
  });
}
