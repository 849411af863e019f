import { Authorized, Ctx, Field, ObjectType, Query, Resolver } from 'type-graphql';
import { Role } from '../auth/index.js';
import { requireViewer, type GraphQLContext } from './context.js';

@ObjectType('Viewer', { description: 'The caller, as proven by its bearer token.' })
export class ViewerType {
  @Field(() => String, { description: 'Subject of the token: customer, merchant, rider or staff id.' })
  subject!: string;

  @Field(() => Role)
  role!: Role;
}

@Resolver()
export class ViewerResolver {
  @Authorized()
  @Query(() => ViewerType, { description: 'Who is calling.' })
  viewer(@Ctx() ctx: GraphQLContext): ViewerType {
    const viewer = requireViewer(ctx);
    return Object.assign(new ViewerType(), { subject: viewer.subject, role: viewer.role });
  }
}
