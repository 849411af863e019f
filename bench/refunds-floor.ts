/**
 * The floor of `bench:refunds` part (1): the least SQL the service's refund requests must run, as a
 * pgbench custom script (`pgbench -f`) on the benchmark's own database, so the same tables, indexes,
 * triggers and constraints take the same rows. Its refunds per second beside TPC-B's TPS is the ratio
 * no implementation could beat before HTTP, GraphQL and the api's own work are added.
 *
 * One statement per transaction (implicit, prepared: `-M prepared`), which commits a group of up to
 * `group_size` refunds at once, as the service's group commit does (`refund_request_batch`):
 * - picks distinct Alipay payments of the seed, all of one merchant, locks them in id order and
 *   reserves 0.01 on each with the rules of `payment_refund_reserve` (currency, remaining amount,
 *   refund count, window);
 * - inserts each refund (PENDING, an idempotency key, a request hash), its REQUEST event, its audit
 *   record and its submit job (pg-boss's `refunds.submit.ALIPAY` queue, columns from the queue row, as
 *   `job_enqueue` writes it; the queue's NOTIFY when it has one);
 * - inserts each refund's "refund approved" journal entry and its two postings (the merchant's payable
 *   D, one refunds-in-flight shard C), in account order, which fire the posting trigger (account totals
 *   updated under the row lock) and, at commit, the deferred balance check per entry.
 * It does not: read the idempotency keys or the payments beforehand (the unique key and the reserve's
 * conditions are the only checks), evaluate risk, read the refunds back, or answer anyone. A client's
 * refunds go to one merchant's payments and one in-flight shard (its number modulo theirs; the service
 * hashes each refund to a shard): the service commits one group at a time, so its groups never wait on
 * each other's account rows, where sixteen clients drawing accounts at random spent most of their time
 * in lock waits; here an account row is shared by two clients at most. The two account ids are looked
 * up by code once per group (the service keeps them in memory). Its refunds name the payment's customer with a `floor_` prefix, so the service's
 * risk figures (the customer's recent refunds) in later rounds read what they would have without it.
 */

/** What the script needs from the seed (bench/refunds.ts): order `<prefix><i>`, merchant `bm_<i % 20>`, odd i Alipay. */
export interface FloorSeed {
  readonly orderPrefix: string;
  readonly payments: number;
  /** Refunds a transaction commits (at most: the payments are drawn at random, duplicates dropped). */
  readonly groupSize: number;
}

/** Merchants in the seed (`bm_<i % MERCHANTS>`); the Alipay payments (odd i) belong to the odd ones. */
export const SEED_MERCHANTS = 20;

export const FLOOR_SCRIPT = `\\set m :client_id % :alipay_merchants
\\set shard :client_id % 8
with picks as materialized (
  select distinct 2 * :m::int + 1 + :merchants::int * floor(random() * :per_merchant::int)::int as i
    from generate_series(1, :group_size::int)
), locked as (
  select p.id
    from payment p join picks on p.order_id = :order_prefix::text || picks.i::text
   order by p.id
     for update of p
), pay as (
  update payment p
     set reserved_minor = p.reserved_minor + 1, refund_count = p.refund_count + 1
    from locked
   where p.id = locked.id and p.currency = 'CNY'
     and p.reserved_minor + 1 <= p.amount_minor
     and p.refund_count < case p.channel when 'WECHAT_PAY' then 50 else 1000 end
     and p.captured_at > now() - make_interval(days => 365)
  returning p.id, p.order_id, p.customer_id, p.merchant_id, p.channel
), k as (
  select pay.*, 'rf_' || replace(uuidv7()::text, '-', '') as refund_id from pay
), r as (
  insert into refund (id, payment_id, order_id, customer_id, merchant_id, channel, amount_minor, currency,
                      reason, liable, case_id, status, idempotency_scope, idempotency_key, request_hash,
                      requested_by, requested_role)
  select k.refund_id, k.id, k.order_id, 'floor_' || k.customer_id, k.merchant_id, k.channel, 1, 'CNY',
         'benchmark', '"MERCHANT"'::jsonb, null, 'PENDING', :scope::text, k.refund_id,
         md5(k.refund_id) || md5(k.id), 'bench-agent', 'SUPPORT'
    from k
  returning refund.id, refund.payment_id
), ev as (
  insert into refund_event (refund_id, from_status, to_status, source, actor_id, actor_role, detail)
  select r.id, null, 'PENDING', 'REQUEST', 'bench-agent', 'SUPPORT', jsonb_build_object('caseId', null) from r
), au as (
  insert into audit_event (id, actor_id, actor_role, action, subject_type, subject_id, request_id, before, after)
  select 'ae_' || replace(uuidv7()::text, '-', ''), 'bench-agent', 'SUPPORT', 'refund.requested', 'refund', r.id,
         null, null,
         jsonb_build_object('paymentId', r.payment_id, 'amount', '0.01', 'currency', 'CNY', 'liable', 'MERCHANT',
                            'reason', 'benchmark')
    from r
), job as (
  insert into pgboss.job (id, name, data, priority, start_after, created_on, expire_seconds, deletion_seconds,
                          keep_until, retry_limit, retry_delay, retry_backoff, retry_delay_max, policy,
                          dead_letter, heartbeat_seconds, blocked, blocking, pending_dependencies)
  select gen_random_uuid(), q.name, jsonb_build_object('refundId', r.id), 0, pgboss.job_now(), pgboss.job_now(),
         q.expire_seconds, q.deletion_seconds, pgboss.job_now() + q.retention_seconds * interval '1s',
         q.retry_limit, q.retry_delay, coalesce(q.retry_backoff, false), q.retry_delay_max, q.policy,
         q.dead_letter, q.heartbeat_seconds, false, false, 0
    from r, pgboss.queue q
   where q.name = 'refunds.submit.ALIPAY'
  returning name
), notified as (
  select pg_notify('pgboss_' || left(encode(sha224('pgboss'::bytea), 'hex'), 24), q.name)
    from pgboss.queue q
   where q.name = 'refunds.submit.ALIPAY' and q.notify and exists (select 1 from job)
), e as (
  insert into journal_entry (kind, reference_type, reference_id, memo, idempotency_key, body_hash)
  select 'REFUND_APPROVED', 'refund', r.id, 'benchmark', :entry_key_prefix::text || r.id,
         md5(r.id) || md5(r.payment_id)
    from r
  returning journal_entry.id
), accounts as (
  select (select a.id from ledger_account a
           where a.code = 'merchant' || chr(58) || 'bm_' || (2 * :m::int + 1)::text || chr(58) || 'payable'
             and a.currency = 'CNY' and a.shard = 0) as payable,
         (select a.id from ledger_account a
           where a.code = :in_flight_code::text and a.currency = 'CNY' and a.shard = :shard::int) as in_flight
)
insert into posting (entry_id, account_id, direction, amount_minor, currency)
select e.id, x.account_id, x.direction, 1, 'CNY'
  from e, accounts, (select count(*) from notified) as n,
       lateral (values (accounts.payable, 'D'), (accounts.in_flight, 'C')) as x(account_id, direction)
 order by x.account_id, e.id;
`;

/** pgbench's arguments for the floor script (written to `scriptPath`) against the seed. */
export function floorArgs(scriptPath: string, seed: FloorSeed): string[] {
  return [
    '-f',
    scriptPath,
    '-M',
    'prepared',
    '-D',
    `order_prefix=${seed.orderPrefix}`,
    '-D',
    `alipay_merchants=${SEED_MERCHANTS / 2}`,
    '-D',
    `merchants=${SEED_MERCHANTS}`,
    '-D',
    `per_merchant=${Math.floor(seed.payments / SEED_MERCHANTS)}`,
    '-D',
    `group_size=${seed.groupSize}`,
    // pgbench reads ':name' as a variable even inside string literals: texts with colons come in this
    // way (or as chr(58) in the script).
    '-D',
    'scope=SUPPORT:bench-agent',
    '-D',
    'entry_key_prefix=REFUND_APPROVED:refund:',
    '-D',
    'in_flight_code=refunds:alipay:in_flight',
  ];
}

/** After the rounds: the floor's refunds, their entries and postings (a check that it did the work). */
export const FLOOR_CHECK_SQL = `
  select count(distinct r.id)::int as refunds, count(distinct e.id)::int as entries, count(p.id)::int as postings
    from refund r
    left join journal_entry e on e.idempotency_key = 'REFUND_APPROVED:refund:' || r.id
    left join posting p on p.entry_id = e.id
   where r.idempotency_scope = 'SUPPORT:bench-agent' and r.idempotency_key = r.id`;
