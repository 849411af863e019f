import type { Job } from 'pg-boss';
import { inTransaction, newId, sqlOn, toDate, type Orm, sqlOnPool, type SqlRow } from '../db/index.js';
import type { JobDefinition } from '../jobs/index.js';
import type { Logger } from '../logging/index.js';
import type { DeliveryStatus, Notification, RecipientKind } from './notification.entity.js';
import { signWebhook } from './webhook-signature.js';

export interface NotificationInput {
  readonly recipientKind: RecipientKind;
  readonly recipientId: string;
  readonly kind: string;
  readonly title: string;
  readonly body: string;
  readonly data: Record<string, string | number | boolean | null>;
  /** One notification per business event, however often the event is applied. */
  readonly dedupeKey: string;
}

/** A notification row to insert with its event, and the delivery job's queue (null: stored only). */
export interface NotificationDraft extends NotificationInput {
  readonly id: string;
  readonly deliveryStatus: 'PENDING' | 'SKIPPED';
  readonly deliverQueue: string | null;
}

export interface NotificationView {
  readonly id: string;
  readonly recipientKind: RecipientKind;
  readonly recipientId: string;
  readonly kind: string;
  readonly title: string;
  readonly body: string;
  readonly data: Record<string, unknown>;
  readonly createdAt: Date;
  readonly readAt: Date | null;
  readonly deliveryStatus: DeliveryStatus;
}

export interface WebhookSettings {
  /** Where notifications are pushed (the messaging service); unset: stored only. */
  readonly url: string | undefined;
  /** HMAC-SHA256 key for the `x-signature` header (`t=…,v1=…`, see webhook-signature.ts). */
  readonly secret: string | undefined;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
}

type NotificationRow = SqlRow<
  Notification,
  | 'id'
  | 'recipientKind'
  | 'recipientId'
  | 'kind'
  | 'title'
  | 'body'
  | 'data'
  | 'createdAt'
  | 'readAt'
  | 'deliveryStatus'
  | 'deliveryAttempts'
>;

const NOTIFICATION_COLUMNS = `id, recipient_kind as "recipientKind", recipient_id as "recipientId", kind, title, body, data,
  created_at as "createdAt", read_at as "readAt", delivery_status as "deliveryStatus",
  delivery_attempts as "deliveryAttempts"`;

export const DELIVER_NOTIFICATION = 'notifications.deliver';

/** Customer notifications: stored for `myNotifications`, pushed to a webhook with retries. */
export class NotificationsService {
  constructor(
    private readonly orm: Orm,
    private readonly webhook: WebhookSettings,
    private readonly logger: Logger,
  ) {}

  /**
   * The notification row for a business event, for the caller's transaction to insert together with
   * the event (`refund_transition`): deduplicated on `dedupeKey`, and with `deliverQueue` set, the
   * delivery job to queue when the row is new. Whether and how it is pushed is decided here.
   */
  draft(input: NotificationInput): NotificationDraft {
    return {
      id: newId('nt'),
      recipientKind: input.recipientKind,
      recipientId: input.recipientId,
      kind: input.kind,
      title: input.title,
      body: input.body,
      data: input.data,
      dedupeKey: input.dedupeKey,
      deliveryStatus: this.webhook.url ? 'PENDING' : 'SKIPPED',
      deliverQueue: this.webhook.url ? DELIVER_NOTIFICATION : null,
    };
  }

  async listFor(
    recipientKind: RecipientKind,
    recipientId: string,
    limit: number,
    after: { createdAt: string; id: string } | null,
  ): Promise<NotificationView[]> {
    const rows = await sqlOnPool(this.orm).rows<NotificationRow>(
      `select ${NOTIFICATION_COLUMNS} from notification
        where recipient_kind = $1 and recipient_id = $2
          and ($3::timestamptz is null or (created_at, id) < ($3::timestamptz, $4))
        order by created_at desc, id desc
        limit $5`,
      [recipientKind, recipientId, after?.createdAt ?? null, after?.id ?? '', limit],
    );
    return rows.map(toView);
  }

  /** Marks the caller's own notification read; someone else's id is reported as not found. */
  async markRead(
    id: string,
    recipientKind: RecipientKind,
    recipientId: string,
  ): Promise<NotificationView | null> {
    const [row] = await sqlOnPool(this.orm).rows<NotificationRow>(
      `update notification set read_at = coalesce(read_at, now())
        where id = $1 and recipient_kind = $2 and recipient_id = $3 returning ${NOTIFICATION_COLUMNS}`,
      [id, recipientKind, recipientId],
    );
    return row ? toView(row) : null;
  }

  jobDefinitions(): JobDefinition[] {
    return [
      {
        name: DELIVER_NOTIFICATION,
        queue: { retryLimit: this.webhook.maxAttempts - 1, retryDelay: 2, retryBackoff: true },
        handle: (job) => this.deliver(job as Job<{ id: string }>),
      },
    ];
  }

  private async deliver(job: Job<{ id: string }>): Promise<void> {
    const url = this.webhook.url;
    if (!url) return;
    const payload = await inTransaction(this.orm, async (em) => {
      const [row] = await sqlOn(em).rows<NotificationRow>(
        `update notification set delivery_attempts = delivery_attempts + 1
          where id = $1 and delivery_status = 'PENDING' returning ${NOTIFICATION_COLUMNS}`,
        [job.data.id],
      );
      return row;
    });
    if (!payload) return; // delivered already, or unknown
    const body = JSON.stringify({ ...toView(payload), createdAt: toDate(payload.createdAt).toISOString() });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-notification-id': payload.id,
    };
    if (this.webhook.secret)
      headers['x-signature'] = signWebhook(this.webhook.secret, body, Math.floor(Date.now() / 1000));
    let failure: string | null = null;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.webhook.timeoutMs),
      });
      if (!response.ok) failure = `HTTP ${response.status}`;
    } catch (error) {
      failure = error instanceof Error ? error.name : 'network error';
    }
    const exhausted = failure !== null && payload.deliveryAttempts >= this.webhook.maxAttempts;
    await sqlOnPool(this.orm).rows(
      `update notification set delivery_status = $2::varchar, delivered_at = case when $2::varchar = 'DELIVERED' then now() end where id = $1`,
      [payload.id, failure === null ? 'DELIVERED' : exhausted ? 'FAILED' : 'PENDING'],
    );
    if (failure !== null) {
      this.logger.warn(
        { notificationId: payload.id, attempt: payload.deliveryAttempts, failure },
        'notification webhook failed',
      );
      if (!exhausted) throw new Error(`webhook delivery failed: ${failure}`); // pg-boss retries with backoff
    }
  }
}

function toView(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    recipientKind: row.recipientKind,
    recipientId: row.recipientId,
    kind: row.kind,
    title: row.title,
    body: row.body,
    data: row.data,
    createdAt: toDate(row.createdAt),
    readAt: row.readAt ? toDate(row.readAt) : null,
    deliveryStatus: row.deliveryStatus,
  };
}
