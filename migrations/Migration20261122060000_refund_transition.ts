import { Migration } from '@mikro-orm/migrations';

/**
 * A refund's state change as one server-side function, like the command (measured: a transition was
 * about a dozen statements, each parsed and planned per call, in an explicit transaction — most of
 * the database time of a lifecycle). Nothing about what is written changes: the same rows, in the same
 * order, under the same constraints and triggers, all or nothing.
 *
 * `refund_transition(p jsonb)`: lock the refund; if its status is already the target, or the target
 * cannot follow it (`p.from` lists the statuses it may follow: the state machine stays in TypeScript),
 * write nothing but a missing provider refund id and return `changed = false`. Otherwise: the status,
 * the refund event, the audit record, the customer notification (deduplicated, with its delivery job
 * when a webhook is configured), then the money: SETTLE (payment's refunded amount, the ledger entry,
 * the order's refund status) or RELEASE (payment's reservation, the ledger entry) — payment row before
 * ledger accounts, as in every writer. Last, a follow-up job (the first poll of a PROCESSING refund)
 * when the caller asks for one and the refund is PROCESSING.
 *
 * The ledger entry arrives prepared (legs on physical accounts, sorted by account id, key and hash), as
 * for `refund_request_batch`. Its key is new for every state a refund can enter once, so a conflict is
 * an invariant violation and aborts everything.
 *
 * `job_enqueue(queue, data, delay_seconds)`: pg-boss 12's `send` with `startAfter` in seconds (no NOTIFY
 * for a job that is not runnable yet, as pg-boss does); the two-argument form is now the zero delay.
 */
export class Migration20261122060000RefundTransition extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create function job_enqueue(p_queue text, p_data jsonb, p_delay_seconds int) returns uuid
      language plpgsql volatile as $$
      declare
        v_id uuid;
        v_start timestamptz := pgboss.job_now() + make_interval(secs => greatest(p_delay_seconds, 0));
        v_notify boolean;
      begin
        insert into pgboss.job (id, name, data, priority, start_after, created_on, expire_seconds, deletion_seconds,
                                keep_until, retry_limit, retry_delay, retry_backoff, retry_delay_max, policy,
                                dead_letter, heartbeat_seconds, blocked, blocking, pending_dependencies)
        select gen_random_uuid(), q.name, p_data, 0, v_start, pgboss.job_now(), q.expire_seconds,
               q.deletion_seconds, v_start + q.retention_seconds * interval '1s', q.retry_limit,
               q.retry_delay, coalesce(q.retry_backoff, false), q.retry_delay_max, q.policy, q.dead_letter,
               q.heartbeat_seconds, false, false, 0
          from pgboss.queue q
         where q.name = p_queue
        returning id into v_id;
        if v_id is null then
          raise exception 'job queue % does not exist', p_queue using errcode = 'P0001';
        end if;
        select q.notify into v_notify from pgboss.queue q where q.name = p_queue;
        if v_notify and v_start <= pgboss.job_now() then
          perform pg_notify('pgboss_' || left(encode(sha224('pgboss'::bytea), 'hex'), 24), p_queue);
        end if;
        return v_id;
      end $$;`);
    this.addSql(`
      create or replace function job_enqueue(p_queue text, p_data jsonb) returns uuid
      language sql volatile as $$ select job_enqueue(p_queue, p_data, 0) $$;`);
    this.addSql(`
      create function refund_transition(p jsonb, out o_changed boolean, out o_refund refund)
      language plpgsql volatile as $$
      declare
        v_current refund;
        v_to varchar := p ->> 'to';
        v_note jsonb := p -> 'notification';
        v_entry jsonb := p -> 'entry';
        v_notification_id varchar;
      begin
        select * into v_current from refund where id = p ->> 'refundId' for update;
        if not found then
          raise exception 'refund % is unknown', p ->> 'refundId' using errcode = 'RF404';
        end if;
        if v_current.status = v_to
           or not v_current.status = any (array(select jsonb_array_elements_text(p -> 'from'))) then
          if p ->> 'providerRefundId' is not null and v_current.provider_refund_id is null then
            update refund set provider_refund_id = p ->> 'providerRefundId' where id = v_current.id
            returning * into v_current;
          end if;
          o_changed := false;
          o_refund := v_current;
          return;
        end if;

        update refund
           set status = v_to, provider_refund_id = coalesce(p ->> 'providerRefundId', provider_refund_id),
               settled_by = coalesce(p ->> 'settledBy', settled_by),
               finalized_at = case when (p ->> 'final')::boolean then now() else finalized_at end,
               lease_until = null, updated_at = now()
         where id = v_current.id
        returning * into o_refund;
        insert into refund_event (refund_id, from_status, to_status, source, actor_id, actor_role, detail)
        values (o_refund.id, v_current.status, v_to, p ->> 'source', p ->> 'actorId', p ->> 'actorRole',
                p -> 'eventDetail');
        insert into audit_event (id, actor_id, actor_role, action, subject_type, subject_id, request_id, before, after)
        values (p ->> 'auditId', p ->> 'actorId', p ->> 'actorRole', 'refund.' || lower(v_to), 'refund', o_refund.id,
                p ->> 'requestId', jsonb_build_object('status', v_current.status), p -> 'auditAfter');

        if jsonb_typeof(v_note) = 'object' then
          insert into notification (id, recipient_kind, recipient_id, kind, title, body, data, dedupe_key,
                                    delivery_status)
          values (v_note ->> 'id', v_note ->> 'recipientKind', v_note ->> 'recipientId', v_note ->> 'kind',
                  v_note ->> 'title', v_note ->> 'body', v_note -> 'data', v_note ->> 'dedupeKey',
                  v_note ->> 'deliveryStatus')
          on conflict (dedupe_key) do nothing
          returning id into v_notification_id;
          if v_notification_id is not null and v_note ->> 'deliverQueue' is not null then
            perform job_enqueue(v_note ->> 'deliverQueue', jsonb_build_object('id', v_notification_id));
          end if;
        end if;

        if p ->> 'effect' = 'SETTLE' then
          update payment set refunded_minor = refunded_minor + o_refund.amount_minor where id = o_refund.payment_id;
        elsif p ->> 'effect' = 'RELEASE' then
          update payment set reserved_minor = reserved_minor - o_refund.amount_minor where id = o_refund.payment_id;
        end if;
        if jsonb_typeof(v_entry) = 'object' then
          perform 1 from ledger_post_entry(
            v_entry ->> 'kind', v_entry ->> 'referenceType', v_entry ->> 'referenceId', v_entry ->> 'memo', null,
            v_entry ->> 'key', v_entry ->> 'hash',
            array(select a::bigint from jsonb_array_elements_text(v_entry -> 'accountIds') as a),
            array(select d::char(1) from jsonb_array_elements_text(v_entry -> 'directions') as d),
            array(select m::bigint from jsonb_array_elements_text(v_entry -> 'amounts') as m),
            array(select c::varchar from jsonb_array_elements_text(v_entry -> 'currencies') as c));
          if not found then
            raise exception 'ledger entry % already exists for a new refund state', v_entry ->> 'key'
              using errcode = 'P0001';
          end if;
        end if;
        if p ->> 'effect' = 'SETTLE' then
          update food_order o
             set refund_status = case when t.refunded = 0 then 'NONE'
                                      when t.refunded < t.paid then 'PARTIALLY_REFUNDED'
                                      else 'REFUNDED' end,
                 updated_at = now()
            from (select coalesce(sum(x.refunded_minor), 0) as refunded, coalesce(sum(x.amount_minor), 0) as paid
                    from payment x where x.order_id = o_refund.order_id) t
           where o.id = o_refund.order_id;
        end if;

        if jsonb_typeof(p -> 'followUp') = 'object' and o_refund.status = 'PROCESSING' then
          perform job_enqueue(p -> 'followUp' ->> 'queue', p -> 'followUp' -> 'data',
                              (p -> 'followUp' ->> 'delaySeconds')::int);
        end if;
        o_changed := true;
      end $$;`);
  }
}
