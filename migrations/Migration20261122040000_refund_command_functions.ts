import { Migration } from '@mikro-orm/migrations';

/**
 * The refund command as one server-side function, so a `requestRefund` is one round trip whose
 * statements are planned once per connection instead of parsed and planned on every call (measured:
 * parsing and planning were most of PostgreSQL's time on that path, and each extra round trip costs
 * the api a socket write). Nothing about what is written changes: the same rows, in the same order,
 * in one transaction, under the same constraints and triggers.
 *
 * - `ledger_post_entry`: the ledger's one insert (entry unless its key exists, then its postings in
 *   the given order), used by the ledger service for every post and by `refund_request`.
 * - `job_enqueue`: what pg-boss 12's `send(name, data)` writes for a queue with default options (the
 *   queue's settings, `job_now()`, the queue's NOTIFY), so a job commits with the rows that need it.
 *   A contract test compares its rows and its NOTIFY with pg-boss's own `send`.
 * - `refund_request`: reserve on the payment (cap and provider rules in one conditional UPDATE), the
 *   refund with its first event and audit record, the submit job, then the ledger entry last (its hot
 *   accounts stay locked only until the commit). No reservation: returns no row and writes nothing.
 *   The idempotency key taken by a concurrent request: raises RF409, which rolls everything back.
 */
export class Migration20261122040000RefundCommandFunctions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create function ledger_post_entry(
        p_kind varchar, p_reference_type varchar, p_reference_id varchar, p_memo varchar,
        p_reverses_entry_id bigint, p_idempotency_key varchar, p_body_hash varchar,
        p_account_ids bigint[], p_directions char(1)[], p_amounts bigint[], p_currencies varchar[])
      returns table (id bigint, kind varchar, reference_type varchar, reference_id varchar, memo varchar,
                     created_at timestamptz, reverses_entry_id bigint, idempotency_key varchar,
                     p_id bigint, p_account_id bigint, p_direction char(1), p_amount bigint, p_currency varchar)
      language sql volatile as $$
        with e as (
          insert into journal_entry (kind, reference_type, reference_id, memo, reverses_entry_id, idempotency_key, body_hash)
          values (p_kind, p_reference_type, p_reference_id, p_memo, p_reverses_entry_id, p_idempotency_key, p_body_hash)
          on conflict (idempotency_key) do nothing
          returning journal_entry.id, journal_entry.kind, journal_entry.reference_type, journal_entry.reference_id,
                    journal_entry.memo, journal_entry.created_at, journal_entry.reverses_entry_id, journal_entry.idempotency_key
        ), p as (
          insert into posting (entry_id, account_id, direction, amount_minor, currency)
          select e.id, x.account_id, x.direction, x.amount_minor, x.currency
            from e, unnest(p_account_ids, p_directions, p_amounts, p_currencies) with ordinality
                    as x(account_id, direction, amount_minor, currency, n)
           order by x.n
          returning posting.id, posting.account_id, posting.direction, posting.amount_minor, posting.currency
        )
        select e.id, e.kind, e.reference_type, e.reference_id, e.memo, e.created_at, e.reverses_entry_id,
               e.idempotency_key, p.id, p.account_id, p.direction, p.amount_minor, p.currency
          from e cross join p order by p.id
      $$;`);

    this.addSql(`
      create function job_enqueue(p_queue text, p_data jsonb) returns uuid language plpgsql volatile as $$
      declare
        v_id uuid;
        v_notify boolean;
      begin
        insert into pgboss.job (id, name, data, priority, start_after, created_on, expire_seconds, deletion_seconds,
                                keep_until, retry_limit, retry_delay, retry_backoff, retry_delay_max, policy,
                                dead_letter, heartbeat_seconds, blocked, blocking, pending_dependencies)
        select gen_random_uuid(), q.name, p_data, 0, pgboss.job_now(), pgboss.job_now(), q.expire_seconds,
               q.deletion_seconds, pgboss.job_now() + q.retention_seconds * interval '1s', q.retry_limit,
               q.retry_delay, coalesce(q.retry_backoff, false), q.retry_delay_max, q.policy, q.dead_letter,
               q.heartbeat_seconds, false, false, 0
          from pgboss.queue q
         where q.name = p_queue
        returning id into v_id;
        if v_id is null then
          raise exception 'job queue % does not exist', p_queue using errcode = 'P0001';
        end if;
        select q.notify into v_notify from pgboss.queue q where q.name = p_queue;
        if v_notify then
          perform pg_notify('pgboss_' || left(encode(sha224('pgboss'::bytea), 'hex'), 24), p_queue);
        end if;
        return v_id;
      end $$;`);

    this.addSql(`
      create function refund_request(
        p_id varchar, p_payment_id varchar, p_order_id varchar, p_amount bigint, p_currency varchar,
        p_reason varchar, p_liable jsonb, p_case_id varchar, p_scope varchar, p_key varchar, p_hash varchar,
        p_actor_id varchar, p_actor_role varchar, p_event_detail jsonb, p_audit_id varchar, p_request_id varchar,
        p_audit_after jsonb, p_max_wechat int, p_max_alipay int, p_days_wechat int, p_days_alipay int,
        p_entry_kind varchar, p_entry_memo varchar, p_entry_key varchar, p_entry_hash varchar,
        p_account_ids bigint[], p_directions char(1)[], p_amounts bigint[], p_currencies varchar[],
        p_submit_queue text)
      returns setof refund language plpgsql volatile as $$
      declare
        v_payment payment;
        v_refund refund;
      begin
        update payment set reserved_minor = reserved_minor + p_amount, refund_count = refund_count + 1
         where payment.id = p_payment_id and payment.currency = p_currency
           and (p_order_id is null or payment.order_id = p_order_id)
           and payment.reserved_minor + p_amount <= payment.amount_minor
           and payment.refund_count < case payment.channel when 'WECHAT_PAY' then p_max_wechat else p_max_alipay end
           and payment.captured_at > now() - make_interval(
                 days => case payment.channel when 'WECHAT_PAY' then p_days_wechat else p_days_alipay end)
        returning * into v_payment;
        if not found then
          return;
        end if;
        -- Waits for a concurrent request with the same key to finish; then exactly one of us has the row.
        insert into refund (id, payment_id, order_id, customer_id, merchant_id, channel, amount_minor, currency,
                            reason, liable, case_id, status, idempotency_scope, idempotency_key, request_hash,
                            requested_by, requested_role)
        values (p_id, v_payment.id, v_payment.order_id, v_payment.customer_id, v_payment.merchant_id,
                v_payment.channel, p_amount, p_currency, p_reason, p_liable, p_case_id, 'PENDING', p_scope, p_key,
                p_hash, p_actor_id, p_actor_role)
        on conflict (idempotency_scope, idempotency_key) do nothing
        returning * into v_refund;
        if not found then
          raise exception 'idempotency key % is taken by a concurrent request', p_key using errcode = 'RF409';
        end if;
        insert into refund_event (refund_id, from_status, to_status, source, actor_id, actor_role, detail)
        values (p_id, null, 'PENDING', 'REQUEST', p_actor_id, p_actor_role, p_event_detail);
        insert into audit_event (id, actor_id, actor_role, action, subject_type, subject_id, request_id, after)
        values (p_audit_id, p_actor_id, p_actor_role, 'refund.requested', 'refund', p_id, p_request_id, p_audit_after);
        perform job_enqueue(p_submit_queue, jsonb_build_object('refundId', p_id));
        perform 1 from ledger_post_entry(p_entry_kind, 'refund', p_id, p_entry_memo, null, p_entry_key, p_entry_hash,
                                         p_account_ids, p_directions, p_amounts, p_currencies);
        if not found then
          raise exception 'ledger entry % already exists for a new refund', p_entry_key using errcode = 'P0001';
        end if;
        return next v_refund;
      end $$;`);
  }
}
