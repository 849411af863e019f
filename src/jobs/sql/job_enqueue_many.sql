-- What pg-boss 12's `send(name, data, { startAfter })` writes for a queue with default options (the
-- queue's settings, `job_now()`, the queue's NOTIFY, none for a job that is not runnable yet), for
-- several jobs in one statement, so they commit in the same transaction as the rows that need them.
-- Job `n` goes to queue `p_queues[n]` with data `p_data[n]`; returns each job's id with its `n`, in
-- order. A queue that does not exist fails the call (nothing is queued). pg-boss is pinned (~12.35);
-- test/foundation/jobs.test.ts compares its rows and NOTIFY with pg-boss's own `send`.
--
-- Queued inside a traced operation (the ORM's connections keep `takeout.traceparent` set to the W3C
-- trace context of the statement they run; see src/db/named-statements.ts), a job's data carries it
-- as `_trace: { traceparent }`, and the worker's job span is that operation's child (src/jobs/queue.ts).
-- Data that already has `_trace` keeps it: a batch statement queues the jobs of several requests, each
-- with its own.
--
-- Plans are generic (`plan_cache_mode`): every statement here finds rows by key, and custom plans
-- for array or JSON parameters were rebuilt on every call (see docs/performance.md).
create or replace function job_enqueue_many(p_queues text[], p_data jsonb[], p_delay_seconds integer
    default 0)
  returns table(n integer, id uuid)
  language plpgsql
  set plan_cache_mode = force_generic_plan
as $$
declare
  v_now timestamptz := pgboss.job_now();
  v_start timestamptz := v_now + make_interval(secs => greatest(p_delay_seconds, 0));
  v_traceparent text := nullif(current_setting('takeout.traceparent', true), '');
  v_ids uuid[] := array(select gen_random_uuid() from generate_series(1, cardinality(p_queues)));
  v_queued int;
begin
  -- Each job with its queue's settings, in the given order.
  insert into pgboss.job (id, name, data, priority, start_after, created_on, expire_seconds, deletion_seconds,
                          keep_until, retry_limit, retry_delay, retry_backoff, retry_delay_max, policy,
                          dead_letter, heartbeat_seconds, blocked, blocking, pending_dependencies)
  select v_ids[j.n], q.name,
         case when v_traceparent is null or j.data ? '_trace' then j.data
              else j.data || jsonb_build_object('_trace', jsonb_build_object('traceparent', v_traceparent)) end,
         0, v_start, v_now, q.expire_seconds, q.deletion_seconds, v_start + q.retention_seconds * interval '1s',
         q.retry_limit, q.retry_delay, coalesce(q.retry_backoff, false), q.retry_delay_max, q.policy,
         q.dead_letter, q.heartbeat_seconds, false, false, 0
    from unnest(p_queues, p_data) with ordinality as j(queue, data, n)
    join pgboss.queue q on q.name = j.queue
   order by j.n;
  get diagnostics v_queued = row_count;
  if v_queued <> coalesce(cardinality(p_queues), 0) then
    raise exception 'job queue % does not exist',
      (select string_agg(distinct j.queue, ', ') from unnest(p_queues) as j(queue)
        where not exists (select 1 from pgboss.queue q where q.name = j.queue))
      using errcode = 'P0001';
  end if;
  -- One NOTIFY per queue that has them (PostgreSQL delivers a channel's identical payloads of one
  -- transaction once anyway).
  if v_start <= v_now then
    perform pg_notify('pgboss_' || left(encode(sha224('pgboss'::bytea), 'hex'), 24), q.name)
       from pgboss.queue q
      where q.name = any(p_queues) and q.notify;
  end if;
  return query select j.n::int, j.id from unnest(v_ids) with ordinality as j(id, n);
end
$$;
