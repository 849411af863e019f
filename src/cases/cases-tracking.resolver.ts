import {
  Arg,
  Authorized,
  Field,
  Float,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
} from 'type-graphql';
import { Role } from '../auth/index.js';
import type { WarningView } from './case.tracking.js';
import type { CasesService } from './cases.service.js';

@InputType('LatLngInput')
export class LatLngInput {
  @Field(() => Float) lat!: number;
  @Field(() => Float) lng!: number;
}

@InputType('RiderPositionInput')
export class RiderPositionInput {
  @Field(() => ID) orderId!: string;
  @Field(() => Float) lat!: number;
  @Field(() => Float) lng!: number;
  @Field(() => GraphQLISODateTime) recordedAt!: Date;
  @Field(() => LatLngInput, { nullable: true, description: 'The delivery address, when known.' })
  destination?: LatLngInput | null;
}

@ObjectType('OrderWarning', {
  description: 'An early warning on an order out for delivery (never a refund).',
})
export class OrderWarningType {
  @Field(() => ID) id!: string;
  @Field(() => ID) orderId!: string;
  @Field(() => String, { nullable: true }) riderId!: string | null;
  @Field(() => String, { description: 'RIDER_STATIONARY or RIDER_MOVING_AWAY.' }) kind!: string;
  @Field(() => String, { description: 'JSON figures.' }) detail!: string;
  @Field(() => GraphQLISODateTime) raisedAt!: Date;
}

function toWarningType(view: WarningView): OrderWarningType {
  return Object.assign(new OrderWarningType(), { ...view, detail: JSON.stringify(view.detail) });
}

@ObjectType('DetectionRun', { description: 'What one late-order detection run found.' })
export class DetectionRunType {
  @Field(() => Int) scanned!: number;
  @Field(() => [ID]) openedCaseIds!: string[];
}

/** Rider positions, order warnings and late-order detection. */
@Resolver()
export class CaseTrackingResolver {
  constructor(private readonly casesService: CasesService) {}

  @Authorized(Role.SERVICE)
  @Mutation(() => OrderWarningType, {
    nullable: true,
    description:
      'The order system reports where the rider is; returns a warning when this position raised one.',
  })
  async reportRiderPosition(
    @Arg('input', () => RiderPositionInput) input: RiderPositionInput,
  ): Promise<OrderWarningType | null> {
    const warning = await this.casesService.tracking.report({
      orderId: input.orderId,
      lat: input.lat,
      lng: input.lng,
      recordedAt: input.recordedAt,
      destination: input.destination ?? null,
    });
    return warning ? toWarningType(warning) : null;
  }

  @Authorized(Role.SUPPORT, Role.ADMIN)
  @Query(() => [OrderWarningType], { description: 'Early warnings raised on an order.' })
  async orderWarnings(@Arg('orderId', () => ID) orderId: string): Promise<OrderWarningType[]> {
    return (await this.casesService.tracking.warnings(orderId)).map(toWarningType);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => DetectionRunType, {
    description: 'Run late-order detection now (it also runs every minute).',
  })
  async detectLateOrders(): Promise<DetectionRunType> {
    const run = await this.casesService.detectLateOrders();
    return Object.assign(new DetectionRunType(), {
      scanned: run.scanned,
      openedCaseIds: run.opened.map((o) => o.caseId),
    });
  }
}
