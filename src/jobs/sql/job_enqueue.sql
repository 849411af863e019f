-- One job, as `job_enqueue_many` queues it (pg-boss's `send(name, data, { startAfter })`, in the
-- caller's transaction): its id.
create or replace function job_enqueue(p_queue text, p_data jsonb, p_delay_seconds integer default
    0)
  returns uuid
  language sql
as $$
select j.id from job_enqueue_many(array[p_queue], array[p_data], p_delay_seconds) as j
$$;
