import type { Sql } from '../db/index.js';
import type { NotificationDraft } from './notifications.service.js';

/**
 * Stores a drafted notification in the caller's transaction, together with the business event it
 * announces: deduplicated on its key, and with its delivery job when it is new and pushed.
 */
export async function storeNotification(sql: Sql, draft: NotificationDraft): Promise<void> {
  await sql.prepared(
    `with inserted as (
       insert into notification (id, recipient_kind, recipient_id, kind, title, body, data, dedupe_key, delivery_status)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       on conflict (dedupe_key) do nothing
       returning id)
     select job_enqueue($10::text, jsonb_build_object('id', id)) from inserted where $10::text is not null`,
    [
      draft.id,
      draft.recipientKind,
      draft.recipientId,
      draft.kind,
      draft.title.slice(0, 200),
      draft.body.slice(0, 1000),
      JSON.stringify(draft.data),
      draft.dedupeKey,
      draft.deliveryStatus,
      draft.deliverQueue,
    ],
  );
}
