import {
  Arg,
  Args,
  Authorized,
  Ctx,
  Field,
  GraphQLISODateTime,
  ID,
  Mutation,
  ObjectType,
  Query,
  Resolver,
} from 'type-graphql';
import { Role, type Viewer } from '../auth/index.js';
import {
  connectionTypes,
  decodeCursor,
  PageArgs,
  pageSize,
  requireViewer,
  toPage,
  type GraphQLContext,
  type Page,
} from '../graphql/index.js';
import type { RecipientKind } from './notification.entity.js';
import type { NotificationView } from './notifications.service.js';
import type { NotificationsService } from './notifications.service.js';

@ObjectType('Notification', { description: 'A message to the caller (refund completed, …).' })
export class NotificationType {
  @Field(() => ID) id!: string;
  @Field(() => String) kind!: string;
  @Field(() => String) title!: string;
  @Field(() => String) body!: string;
  @Field(() => String, { description: 'JSON data (refund id, amount, …).' }) data!: string;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) readAt!: Date | null;
}

const { Connection: NotificationConnection } = connectionTypes(NotificationType, 'Notification');

function recipientOf(viewer: Viewer): RecipientKind | null {
  if (viewer.role === Role.CUSTOMER || viewer.role === Role.MERCHANT || viewer.role === Role.RIDER)
    return viewer.role;
  return null;
}

function toType(view: NotificationView): NotificationType {
  return Object.assign(new NotificationType(), {
    id: view.id,
    kind: view.kind,
    title: view.title,
    body: view.body,
    data: JSON.stringify(view.data),
    createdAt: view.createdAt,
    readAt: view.readAt,
  });
}

@Resolver()
export class NotificationsResolver {
  constructor(private readonly notificationsService: NotificationsService) {}

  @Authorized()
  @Query(() => NotificationConnection, { description: 'The caller’s own notifications, newest first.' })
  async myNotifications(
    @Args(() => PageArgs) args: PageArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Page<NotificationType>> {
    const viewer = requireViewer(ctx);
    const kind = recipientOf(viewer);
    const limit = pageSize(args.first);
    const cursor = decodeCursor(args.after, 2);
    const rows = kind
      ? await this.notificationsService.listFor(
          kind,
          viewer.subject,
          limit + 1,
          cursor ? { createdAt: String(cursor[0]), id: String(cursor[1]) } : null,
        )
      : [];
    return toPage(rows, limit, (n) => [n.createdAt.toISOString(), n.id], toType);
  }

  @Authorized(Role.CUSTOMER, Role.MERCHANT, Role.RIDER)
  @Mutation(() => NotificationType, {
    nullable: true,
    description: 'Marks one of the caller’s notifications read.',
  })
  async markNotificationRead(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<NotificationType | null> {
    const viewer = requireViewer(ctx);
    const view = await this.notificationsService.markRead(id, recipientOf(viewer)!, viewer.subject);
    return view ? toType(view) : null;
  }
}
