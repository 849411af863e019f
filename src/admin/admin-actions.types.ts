import { ArgsType, Field, GraphQLISODateTime, ID, InputType, ObjectType } from 'type-graphql';
import { connectionTypes, PageArgs } from '../graphql/index.js';
import type { AdminActionView } from '../audit/index.js';

@ObjectType('AdminAction', {
  description: 'One action of the back office (support, finance, admin), from the audit log.',
})
export class AdminActionType {
  @Field(() => ID) id!: string;
  @Field(() => GraphQLISODateTime) occurredAt!: Date;
  @Field(() => String) actorId!: string;
  @Field(() => String, { description: 'SUPPORT, FINANCE or ADMIN.' }) actorRole!: string;
  @Field(() => String, {
    description:
      'What was done: refund.succeeded (a manual settlement), refund.closed, recon.resolve, case_rule.versioned, ops_exception.resolved, case.decided, …',
  })
  action!: string;
  @Field(() => String, { description: 'refund, case, case_rule, discrepancy, ops_exception, …' })
  subjectType!: string;
  @Field(() => String) subjectId!: string;
  @Field(() => String, { nullable: true }) requestId!: string | null;
  @Field(() => String, { nullable: true, description: 'JSON.' }) before!: string | null;
  @Field(() => String, { nullable: true, description: 'JSON.' }) after!: string | null;
}

export const { Connection: AdminActionConnection } = connectionTypes(AdminActionType, 'AdminAction');

@InputType('AdminActionFilter')
export class AdminActionFilterInput {
  @Field(() => String, { nullable: true, description: 'The acting subject (token `sub`).' })
  actorId?: string | null;
  @Field(() => String, { nullable: true, description: 'Exact action, e.g. refund.closed.' })
  action?: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'From this instant (inclusive).' })
  from?: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Before this instant (exclusive).' })
  to?: Date | null;
}

@ArgsType()
export class AdminActionsArgs extends PageArgs {
  @Field(() => AdminActionFilterInput, { nullable: true }) filter?: AdminActionFilterInput | null;
}

export function toAdminActionType(view: AdminActionView): AdminActionType {
  return Object.assign(new AdminActionType(), {
    id: view.id,
    occurredAt: view.occurredAt,
    actorId: view.actorId,
    actorRole: view.actorRole,
    action: view.action,
    subjectType: view.subjectType,
    subjectId: view.subjectId,
    requestId: view.requestId,
    before: view.before ? JSON.stringify(view.before) : null,
    after: view.after ? JSON.stringify(view.after) : null,
  });
}
