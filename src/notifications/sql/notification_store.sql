-- Stores a customer notification prepared by the notifications service (`p`: id, recipientKind,
-- recipientId, kind, title, body, data, dedupeKey, deliveryStatus, deliverQueue), once per dedupe
-- key, with its delivery job when a queue is named. Returns the new notification's id, or null when
-- the key was already stored.
create or replace function notification_store(p jsonb)
  returns varchar
  language plpgsql
as $$
declare
  v_id varchar;
begin
  insert into notification (id, recipient_kind, recipient_id, kind, title, body, data, dedupe_key,
                            delivery_status)
  values (p ->> 'id', p ->> 'recipientKind', p ->> 'recipientId', p ->> 'kind', p ->> 'title',
          p ->> 'body', p -> 'data', p ->> 'dedupeKey', p ->> 'deliveryStatus')
  on conflict (dedupe_key) do nothing
  returning id into v_id;
  if v_id is not null and p ->> 'deliverQueue' is not null then
    perform job_enqueue(p ->> 'deliverQueue', jsonb_build_object('id', v_id));
  end if;
  return v_id;
end
$$;
