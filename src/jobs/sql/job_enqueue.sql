-- What pg-boss 12's `send(name, data, { startAfter })` writes for a queue with default options (the
-- queue's settings, `job_now()`, the queue's NOTIFY, none for a job that is not runnable yet), so a
-- job commits in the same transaction as the rows that need it. pg-boss is pinned (~12.35);
-- test/foundation/jobs.test.ts compares its rows and NOTIFY with pg-boss's own `send`.
--
-- Queued inside a traced operation (the ORM's connections keep `takeout.traceparent` set to the W3C
-- trace context of the statement they run; see src/db/named-statements.ts), the job's data carries it
-- as `_trace: { traceparent }`, and the worker's job span is that operation's child (src/jobs/queue.ts).
-- Data that already has `_trace` keeps it: a batch statement queues the jobs of several requests, each
-- with its own.
--
-- Plans are generic (`plan_cache_mode`): every statement here finds rows by key, and custom plans
-- for array or JSON parameters were rebuilt on every call (see docs/performance.md).
create or replace function job_enqueue(p_queue text, p_data jsonb, p_delay_seconds integer default
    0)
  returns uuid
  language plpgsql
  set plan_cache_mode = force_generic_plan
as $$
declare
  v_queue record;
  v_id uuid := gen_random_uuid();
  v_start timestamptz := pgboss.job_now() + make_interval(secs => greatest(p_delay_seconds, 0));
  v_traceparent text := nullif(current_setting('takeout.traceparent', true), '');
begin
  -- The queue's row once: its settings for the job and whether it notifies.
  select q.name, q.expire_seconds, q.deletion_seconds, q.retention_seconds, q.retry_limit, q.retry_delay,
         q.retry_backoff, q.retry_delay_max, q.policy, q.dead_letter, q.heartbeat_seconds, q.notify
    into v_queue
    from pgboss.queue q
   where q.name = p_queue;
  if not found then
    raise exception 'job queue % does not exist', p_queue using errcode = 'P0001';
  end if;
  insert into pgboss.job (id, name, data, priority, start_after, created_on, expire_seconds, deletion_seconds,
                          keep_until, retry_limit, retry_delay, retry_backoff, retry_delay_max, policy,
                          dead_letter, heartbeat_seconds, blocked, blocking, pending_dependencies)
  values (v_id, v_queue.name,
          case when v_traceparent is null or p_data ? '_trace' then p_data
               else p_data || jsonb_build_object('_trace', jsonb_build_object('traceparent', v_traceparent)) end,
          0, v_start, pgboss.job_now(), v_queue.expire_seconds, v_queue.deletion_seconds,
          v_start + v_queue.retention_seconds * interval '1s', v_queue.retry_limit, v_queue.retry_delay,
          coalesce(v_queue.retry_backoff, false), v_queue.retry_delay_max, v_queue.policy, v_queue.dead_letter,
          v_queue.heartbeat_seconds, false, false, 0);
  if v_queue.notify and v_start <= pgboss.job_now() then
    perform pg_notify('pgboss_' || left(encode(sha224('pgboss'::bytea), 'hex'), 24), p_queue);
  end if;
  return v_id;
end
$$;
