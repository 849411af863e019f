import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('QueueStatus')
export class QueueStatusType {
  @Field(() => String)
  name!: string;

  @Field(() => Int)
  queued!: number;

  @Field(() => Int)
  active!: number;

  @Field(() => Int)
  deferred!: number;
}

@ObjectType('SystemStatus', { description: 'Schema version and job backlog (administrators only).' })
export class SystemStatusType {
  @Field(() => [String])
  appliedMigrations!: string[];

  @Field(() => [String])
  pendingMigrations!: string[];

  @Field(() => [QueueStatusType])
  queues!: QueueStatusType[];
}
