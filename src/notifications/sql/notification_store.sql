-- Stores a customer notification prepared by the notifications service (`p`: id, recipientKind,
-- recipientId, kind, title, body, data, dedupeKey, deliveryStatus, deliverQueue), once per dedupe
-- key, with its delivery job when a queue is named. Returns the new notification's id, or null when
-- the key was already stored. One draft of `notification_store_many`, which holds the rules.
create or replace function notification_store(p jsonb)
  returns varchar
  language sql
as $$
select s.id from notification_store_many(jsonb_build_array(p)) as s
$$;
