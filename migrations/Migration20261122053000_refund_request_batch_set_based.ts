import { Migration } from '@mikro-orm/migrations';

/**
 * `refund_request_batch` writes each table once per group instead of once per request: the key check,
 * the refunds, their events, their audit records and their submit jobs are each one statement over the
 * group (PostgreSQL starts an executor per statement, which was a visible share of the group's cost).
 * Reservations stay one conditional UPDATE per request, in payment-id order, so the cap holds request
 * by request; ledger entries stay one `ledger_post_entry` each, after every account of the group is
 * locked in id order. Outcomes and lock order are those of the previous version.
 *
 * `job_enqueue_many` is `job_enqueue` for several jobs of one queue (one NOTIFY); `job_enqueue` is now
 * a call of it, so the contract test against pg-boss's `send` covers both.
 */
export class Migration20261122053000RefundRequestBatchSetBased extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create function job_enqueue_many(p_queue text, p_data jsonb[]) returns setof uuid
      language plpgsql volatile as $$
      declare
        v_notify boolean;
      begin
        select q.notify into v_notify from pgboss.queue q where q.name = p_queue;
        if not found then
          raise exception 'job queue % does not exist', p_queue using errcode = 'P0001';
        end if;
        return query
          insert into pgboss.job (id, name, data, priority, start_after, created_on, expire_seconds, deletion_seconds,
                                  keep_until, retry_limit, retry_delay, retry_backoff, retry_delay_max, policy,
                                  dead_letter, heartbeat_seconds, blocked, blocking, pending_dependencies)
          select gen_random_uuid(), q.name, d.data, 0, pgboss.job_now(), pgboss.job_now(), q.expire_seconds,
                 q.deletion_seconds, pgboss.job_now() + q.retention_seconds * interval '1s', q.retry_limit,
                 q.retry_delay, coalesce(q.retry_backoff, false), q.retry_delay_max, q.policy, q.dead_letter,
                 q.heartbeat_seconds, false, false, 0
            from unnest(p_data) with ordinality as d(data, ord)
            cross join pgboss.queue q
           where q.name = p_queue
           order by d.ord
          returning pgboss.job.id;
        if v_notify and cardinality(p_data) > 0 then
          perform pg_notify('pgboss_' || left(encode(sha224('pgboss'::bytea), 'hex'), 24), p_queue);
        end if;
      end $$;`);
    this.addSql(`
      create or replace function job_enqueue(p_queue text, p_data jsonb) returns uuid
      language sql volatile as $$
        select id from job_enqueue_many(p_queue, array[p_data]) as id
      $$;`);

    this.addSql(`
      create or replace function refund_request_batch(
        p_items jsonb, p_max_wechat int, p_max_alipay int, p_days_wechat int, p_days_alipay int, p_submit_queue text)
      returns table (idx int, outcome varchar, refund_id varchar)
      language plpgsql volatile as $$
      declare
        n int := jsonb_array_length(p_items);
        v_item jsonb;
        v_i int;
        v_outcome varchar[] := array_fill(null::varchar, array[n]);
        v_inserted varchar[];
        v_created jsonb[] := '{}';
        v_account_ids bigint[] := '{}';
      begin
        -- Keys that already have a refund: nothing to do for those.
        for v_i in
          select (e.ord - 1)::int from jsonb_array_elements(p_items) with ordinality as e(item, ord)
           where exists (select 1 from refund r
                          where r.idempotency_scope = e.item ->> 'scope' and r.idempotency_key = e.item ->> 'key')
        loop
          v_outcome[v_i + 1] := 'KEY_TAKEN';
        end loop;

        -- Reserve, payment rows in id order: the cap, currency, order, window and count in one UPDATE.
        for v_i in
          select (e.ord - 1)::int from jsonb_array_elements(p_items) with ordinality as e(item, ord)
           order by e.item ->> 'paymentId', e.ord
        loop
          continue when v_outcome[v_i + 1] is not null;
          v_item := p_items -> v_i;
          update payment p
             set reserved_minor = p.reserved_minor + (v_item ->> 'amount')::bigint, refund_count = p.refund_count + 1
           where p.id = v_item ->> 'paymentId' and p.currency = v_item ->> 'currency'
             and (v_item ->> 'orderId' is null or p.order_id = v_item ->> 'orderId')
             and p.reserved_minor + (v_item ->> 'amount')::bigint <= p.amount_minor
             and p.refund_count < case p.channel when 'WECHAT_PAY' then p_max_wechat else p_max_alipay end
             and p.captured_at > now() - make_interval(
                   days => case p.channel when 'WECHAT_PAY' then p_days_wechat else p_days_alipay end);
          if not found then
            v_outcome[v_i + 1] := 'NOT_RESERVED';
          end if;
        end loop;

        -- The refunds, one statement, in arrival order. A key taken meanwhile (a concurrent request, or one
        -- earlier in this group) is not inserted and hands its reservation back: the payment row is ours.
        with ins as (
          insert into refund (id, payment_id, order_id, customer_id, merchant_id, channel, amount_minor, currency,
                              reason, liable, case_id, status, idempotency_scope, idempotency_key, request_hash,
                              requested_by, requested_role)
          select e.item ->> 'id', p.id, p.order_id, p.customer_id, p.merchant_id, p.channel,
                 (e.item ->> 'amount')::bigint, e.item ->> 'currency', e.item ->> 'reason', e.item -> 'liable',
                 e.item ->> 'caseId', 'PENDING', e.item ->> 'scope', e.item ->> 'key', e.item ->> 'hash',
                 e.item ->> 'actorId', e.item ->> 'actorRole'
            from jsonb_array_elements(p_items) with ordinality as e(item, ord)
            join payment p on p.id = e.item ->> 'paymentId'
           where v_outcome[e.ord::int] is null
           order by e.ord
          on conflict (idempotency_scope, idempotency_key) do nothing
          returning refund.id
        )
        select coalesce(array_agg(ins.id), '{}') into v_inserted from ins;

        for v_i in 0 .. n - 1 loop
          continue when v_outcome[v_i + 1] is not null;
          v_item := p_items -> v_i;
          if (v_item ->> 'id') = any(v_inserted) then
            v_outcome[v_i + 1] := 'CREATED';
            v_created := v_created || v_item;
            v_account_ids := v_account_ids
              || array(select a::bigint from jsonb_array_elements_text(v_item -> 'accountIds') as a);
          else
            update payment p
               set reserved_minor = p.reserved_minor - (v_item ->> 'amount')::bigint, refund_count = p.refund_count - 1
             where p.id = v_item ->> 'paymentId';
            v_outcome[v_i + 1] := 'KEY_TAKEN';
          end if;
        end loop;

        if cardinality(v_created) > 0 then
          insert into refund_event (refund_id, from_status, to_status, source, actor_id, actor_role, detail)
          select c.item ->> 'id', null, 'PENDING', 'REQUEST', c.item ->> 'actorId', c.item ->> 'actorRole',
                 c.item -> 'eventDetail'
            from unnest(v_created) with ordinality as c(item, ord)
           order by c.ord;
          insert into audit_event (id, actor_id, actor_role, action, subject_type, subject_id, request_id, after)
          select c.item ->> 'auditId', c.item ->> 'actorId', c.item ->> 'actorRole', 'refund.requested', 'refund',
                 c.item ->> 'id', c.item ->> 'requestId', c.item -> 'auditAfter'
            from unnest(v_created) with ordinality as c(item, ord)
           order by c.ord;
          perform job_enqueue_many(p_submit_queue,
            array(select jsonb_build_object('refundId', c.item ->> 'id')
                    from unnest(v_created) with ordinality as c(item, ord) order by c.ord));

          -- Every account the group posts to, locked in id order before the first posting.
          perform 1 from (select a.id from ledger_account a where a.id = any(v_account_ids) order by a.id for update) locked;
          for v_i in 1 .. cardinality(v_created) loop
            v_item := v_created[v_i];
            perform 1 from ledger_post_entry(
              v_item ->> 'entryKind', 'refund', v_item ->> 'id', v_item ->> 'entryMemo', null, v_item ->> 'entryKey',
              v_item ->> 'entryHash',
              array(select a::bigint from jsonb_array_elements_text(v_item -> 'accountIds') as a),
              array(select d::char(1) from jsonb_array_elements_text(v_item -> 'directions') as d),
              array(select m::bigint from jsonb_array_elements_text(v_item -> 'amounts') as m),
              array(select c::varchar from jsonb_array_elements_text(v_item -> 'currencies') as c));
            if not found then
              raise exception 'ledger entry % already exists for a new refund', v_item ->> 'entryKey'
                using errcode = 'P0001';
            end if;
          end loop;
        end if;

        for v_i in 0 .. n - 1 loop
          idx := v_i;
          outcome := v_outcome[v_i + 1];
          refund_id := case when outcome = 'CREATED' then (p_items -> v_i) ->> 'id' end;
          return next;
        end loop;
      end $$;`);
  }
}
