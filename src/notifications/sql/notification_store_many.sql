-- Stores customer notifications prepared by the notifications service, several in one statement
-- (`p`: a JSON array of drafts, each as `notification_store` takes one: id, recipientKind, recipientId,
-- kind, title, body, data, dedupeKey, deliveryStatus, deliverQueue), in the given order: once per
-- dedupe key (a key already stored, or earlier in `p`, is skipped, so the first draft of a key wins as
-- one call per draft would have it), each new one with its delivery job when a queue is named (one
-- `job_enqueue_many` call). Returns each draft's `n` (1-based) with the new notification's id, or null
-- where its key was already stored.
--
-- Plans are generic (`plan_cache_mode`): the insert finds conflicts by key, and custom plans for a JSON
-- parameter were rebuilt on every call (see docs/performance.md).
create or replace function notification_store_many(p jsonb)
  returns table(n integer, id varchar)
  language plpgsql
  set plan_cache_mode = force_generic_plan
as $$
declare
  -- The drafts' positions whose row went in (the first draft of each stored id and key).
  v_stored int[];
begin
  with ins as (
    insert into notification as t (id, recipient_kind, recipient_id, kind, title, body, data, dedupe_key,
                                   delivery_status)
    select d ->> 'id', d ->> 'recipientKind', d ->> 'recipientId', d ->> 'kind', d ->> 'title', d ->> 'body',
           d -> 'data', d ->> 'dedupeKey', d ->> 'deliveryStatus'
      from jsonb_array_elements(p) with ordinality as e(d, ord)
     order by e.ord
    on conflict (dedupe_key) do nothing
    returning t.id, t.dedupe_key
  )
  select coalesce(array_agg(f.ord), '{}') into v_stored
    from ins
    cross join lateral (select min(e.ord)::int as ord
                          from jsonb_array_elements(p) with ordinality as e(d, ord)
                         where e.d ->> 'id' = ins.id and e.d ->> 'dedupeKey' = ins.dedupe_key) as f;

  perform job_enqueue_many(array_agg(e.d ->> 'deliverQueue' order by e.ord),
                           array_agg(jsonb_build_object('id', e.d ->> 'id') order by e.ord))
     from jsonb_array_elements(p) with ordinality as e(d, ord)
    where e.ord = any(v_stored) and e.d ->> 'deliverQueue' is not null
   having count(*) > 0;

  return query
    select e.ord::int, case when e.ord = any(v_stored) then (e.d ->> 'id')::varchar end
      from jsonb_array_elements(p) with ordinality as e(d, ord)
     order by e.ord;
end
$$;
