-- Group commit of the refund command: the requests that arrived together, in one transaction. Per
-- request (`p_items`, a JSON array; amounts as strings):
-- - KEY_TAKEN: its idempotency key already has a refund (committed, or earlier in this batch); nothing
--   of it is written (no reservation either), the caller answers with that refund (a replay) or
--   IDEMPOTENCY_KEY_REUSED.
-- - a refusal (PAYMENT_NOT_FOUND, CURRENCY_MISMATCH, REFUND_WINDOW_EXPIRED, TOO_MANY_PARTIAL_REFUNDS,
--   REFUND_EXCEEDS_REMAINING): `payment_refund_reserve` said no; nothing of it is written.
-- - CREATED: reservation, refund (PENDING), its event and audit record, the submit job and the
--   ledger's "refund approved" entry; `refund` is the new row (null for the other outcomes), so the
--   caller needs no read back.
-- Writes the refunds module's tables (refund, refund_event) and calls the owners for the rest: the
-- reservations (`payment_refund_reserve_many` once when the group's payments and keys are all
-- distinct, else `payment_refund_reserve` per request), then audit_record_many, job_enqueue_many and
-- ledger_post_entries once for the whole group (one statement per table). Lock order, as every
-- writer: payment rows in id order, then every ledger account the batch posts to in id order, before
-- any posting. Any error aborts the batch; the service then retries its requests
-- one per batch, so one bad request never fails the others.
--
-- Plans are generic (`plan_cache_mode`): every statement here finds rows by key, and custom plans
-- for array or JSON parameters were rebuilt on every call (see docs/performance.md).
-- The return type gained `refund`: `create or replace` cannot change it, so the old one is dropped.
drop function if exists refund_request_batch(jsonb, integer, integer, integer, integer, text);
create or replace function refund_request_batch(p_items jsonb, p_max_wechat integer, p_max_alipay
    integer, p_days_wechat integer, p_days_alipay integer, p_submit_queue text)
  returns table(idx integer, outcome varchar, refund_id varchar, refund refund)
  language plpgsql
  set plan_cache_mode = force_generic_plan
as $$
declare
  n int := jsonb_array_length(p_items);
  v_item jsonb;
  v_i int;
  v_outcome varchar[] := array_fill(null::varchar, array[n]);
  v_payment payment;
  v_payments payment[];
  v_reserved record;
  v_key text;
  v_keys text[] := '{}';
  v_inserted varchar[];
  v_row refund;
  v_rows refund[] := '{}';
  v_channels varchar[] := array_fill(null::varchar, array[n]);
  v_created int := 0;
  v_posted int;
begin
  if (select count(distinct e.item ->> 'paymentId') = n
             and count(distinct (e.item ->> 'scope') || E'\n' || (e.item ->> 'key')) = n
        from jsonb_array_elements(p_items) as e(item)) then
    -- Every payment and key once (the common group): one reservation statement, then one insert of
    -- the refunds, in payment id order. A refund whose key was taken elsewhere meanwhile hands its
    -- reservation back; with one request a payment, no other request of the group depends on it.
    select array_agg(r.payment order by r.n), array_agg(r.refusal order by r.n) into v_payments, v_outcome
      from payment_refund_reserve_many(
             array(select e.item ->> 'paymentId' from jsonb_array_elements(p_items) with ordinality as e(item, ord)
                    order by e.ord),
             array(select e.item ->> 'orderId' from jsonb_array_elements(p_items) with ordinality as e(item, ord)
                    order by e.ord),
             array(select e.item ->> 'currency' from jsonb_array_elements(p_items) with ordinality as e(item, ord)
                    order by e.ord),
             array(select (e.item ->> 'amount')::bigint
                     from jsonb_array_elements(p_items) with ordinality as e(item, ord) order by e.ord),
             p_max_wechat, p_max_alipay, p_days_wechat, p_days_alipay) as r;
    with inserted as (
      insert into refund as r (id, payment_id, order_id, customer_id, merchant_id, channel, amount_minor, currency,
                          reason, liable, case_id, status, idempotency_scope, idempotency_key, request_hash,
                          requested_by, requested_role)
      select e.item ->> 'id', (v_payments[e.ord]).id, (v_payments[e.ord]).order_id,
             (v_payments[e.ord]).customer_id, (v_payments[e.ord]).merchant_id, (v_payments[e.ord]).channel,
             (e.item ->> 'amount')::bigint, e.item ->> 'currency', e.item ->> 'reason', e.item -> 'liable',
             e.item ->> 'caseId', 'PENDING', e.item ->> 'scope', e.item ->> 'key', e.item ->> 'hash',
             e.item ->> 'actorId', e.item ->> 'actorRole'
        from jsonb_array_elements(p_items) with ordinality as e(item, ord)
       where v_outcome[e.ord] is null
       order by e.item ->> 'paymentId'
      on conflict (idempotency_scope, idempotency_key) do nothing
      returning r as created
    )
    select coalesce(array_agg(inserted.created), '{}'), coalesce(array_agg((inserted.created).id), '{}')
      into v_rows, v_inserted
      from inserted;
    for v_i in 1 .. n loop
      continue when v_outcome[v_i] is not null;
      v_item := p_items -> (v_i - 1);
      if (v_item ->> 'id') = any(v_inserted) then
        v_outcome[v_i] := 'CREATED';
        v_created := v_created + 1;
        v_channels[v_i] := (v_payments[v_i]).channel;
      else
        perform payment_refund_unreserve(v_item ->> 'paymentId', (v_item ->> 'amount')::bigint);
        v_outcome[v_i] := 'KEY_TAKEN';
      end if;
    end loop;
  else
    -- A payment or a key more than once: per request, payment rows in id order: its key first claimed
    -- within the batch (a later copy is KEY_TAKEN without reserving), then the reservation (the
    -- payments module applies the rules and names a refusal), then the refund row, whose unique key is
    -- the claim against every other transaction (the insert waits for a concurrent one holding the
    -- key). A key taken elsewhere hands its reservation back at once, before the payment's next request
    -- reserves: a refusal then means the money is not there, never that a duplicate holds it.
    for v_i in
      select (e.ord - 1)::int from jsonb_array_elements(p_items) with ordinality as e(item, ord)
       order by e.item ->> 'paymentId', e.ord
    loop
      v_item := p_items -> v_i;
      v_key := (v_item ->> 'scope') || E'\n' || (v_item ->> 'key');
      if v_key = any(v_keys) then
        v_outcome[v_i + 1] := 'KEY_TAKEN';
        continue;
      end if;
      select * into v_reserved
        from payment_refund_reserve(v_item ->> 'paymentId', v_item ->> 'orderId', v_item ->> 'currency',
                                    (v_item ->> 'amount')::bigint, p_max_wechat, p_max_alipay, p_days_wechat,
                                    p_days_alipay);
      if v_reserved.o_refusal is not null then
        v_outcome[v_i + 1] := v_reserved.o_refusal;
        continue;
      end if;
      v_payment := v_reserved.o_payment;
      insert into refund as r (id, payment_id, order_id, customer_id, merchant_id, channel, amount_minor,
                               currency, reason, liable, case_id, status, idempotency_scope, idempotency_key,
                               request_hash, requested_by, requested_role)
      values (v_item ->> 'id', v_payment.id, v_payment.order_id, v_payment.customer_id, v_payment.merchant_id,
              v_payment.channel, (v_item ->> 'amount')::bigint, v_item ->> 'currency', v_item ->> 'reason',
              v_item -> 'liable', v_item ->> 'caseId', 'PENDING', v_item ->> 'scope', v_item ->> 'key',
              v_item ->> 'hash', v_item ->> 'actorId', v_item ->> 'actorRole')
      on conflict (idempotency_scope, idempotency_key) do nothing
      returning r.* into v_row;
      if not found then
        perform payment_refund_unreserve(v_payment.id, (v_item ->> 'amount')::bigint);
        v_outcome[v_i + 1] := 'KEY_TAKEN';
        continue;
      end if;
      v_outcome[v_i + 1] := 'CREATED';
      v_created := v_created + 1;
      v_rows := v_rows || v_row;
      v_keys := v_keys || v_key;
      v_channels[v_i + 1] := v_payment.channel;
    end loop;
  end if;

  -- The new refunds' REQUEST events, in arrival order, in one statement.
  insert into refund_event (refund_id, from_status, to_status, source, actor_id, actor_role, detail)
  select e.item ->> 'id', null, 'PENDING', 'REQUEST', e.item ->> 'actorId', e.item ->> 'actorRole',
         e.item -> 'eventDetail'
    from jsonb_array_elements(p_items) with ordinality as e(item, ord)
   where v_outcome[e.ord] = 'CREATED'
   order by e.ord;

  -- Each new refund's audit record, submit job (on its provider's queue, `<p_submit_queue>.<channel>`,
  -- with the request's own trace context when it was traced) and "refund approved" entry, in arrival
  -- order, each table's rows in one statement of its owner (none when nothing was created).
  if v_created > 0 then
    perform audit_record_many(array_agg(e.item ->> 'auditId' order by e.ord),
                              array_agg(e.item ->> 'actorId' order by e.ord),
                              array_agg(e.item ->> 'actorRole' order by e.ord),
                              array_agg('refund.requested'::varchar order by e.ord),
                              array_agg('refund'::varchar order by e.ord),
                              array_agg(e.item ->> 'id' order by e.ord),
                              array_agg(e.item ->> 'requestId' order by e.ord),
                              array_agg(null::jsonb order by e.ord), array_agg(e.item -> 'auditAfter' order by e.ord))
       from jsonb_array_elements(p_items) with ordinality as e(item, ord)
      where v_outcome[e.ord] = 'CREATED';

    perform job_enqueue_many(
              array_agg(p_submit_queue || '.' || v_channels[e.ord] order by e.ord),
              array_agg(jsonb_build_object('refundId', e.item ->> 'id')
                          || case when e.item ? 'trace' then jsonb_build_object('_trace', e.item -> 'trace')
                                  else '{}' end
                        order by e.ord))
       from jsonb_array_elements(p_items) with ordinality as e(item, ord)
      where v_outcome[e.ord] = 'CREATED';

    -- The entries (numbered in arrival order among the new refunds) and their legs; the ledger locks
    -- every account of the group in id order before the first posting.
    with created as (
      select e.item, row_number() over (order by e.ord)::int as entry
        from jsonb_array_elements(p_items) with ordinality as e(item, ord)
       where v_outcome[e.ord] = 'CREATED'
    ), entries as (
      select array_agg(c.item ->> 'entryKind' order by c.entry) as kinds,
             array_agg('refund'::varchar order by c.entry) as reference_types,
             array_agg(c.item ->> 'id' order by c.entry) as reference_ids,
             array_agg(c.item ->> 'entryMemo' order by c.entry) as memos,
             array_agg(null::bigint order by c.entry) as reverses,
             array_agg(c.item ->> 'entryKey' order by c.entry) as keys,
             array_agg(c.item ->> 'entryHash' order by c.entry) as hashes
        from created c
    ), legs as (
      select array_agg(c.entry order by c.entry, a.m) as entries,
             array_agg(a.account_id::bigint order by c.entry, a.m) as account_ids,
             array_agg((c.item -> 'directions' ->> (a.m - 1)::int)::char(1) order by c.entry, a.m) as directions,
             array_agg((c.item -> 'amounts' ->> (a.m - 1)::int)::bigint order by c.entry, a.m) as amounts,
             array_agg((c.item -> 'currencies' ->> (a.m - 1)::int)::varchar order by c.entry, a.m) as currencies
        from created c
        cross join lateral jsonb_array_elements_text(c.item -> 'accountIds') with ordinality as a(account_id, m)
    )
    select count(*) into v_posted
      from entries, legs,
           lateral ledger_post_entries(entries.kinds, entries.reference_types, entries.reference_ids, entries.memos,
                                       entries.reverses, entries.keys, entries.hashes, legs.entries, legs.account_ids,
                                       legs.directions, legs.amounts, legs.currencies) as posted;
    if v_posted <> v_created then
      raise exception 'a ledger entry already exists for a new refund of this group'
        using errcode = 'P0001';
    end if;
  end if;

  -- Each request's outcome, with its new refund row as its insert returned it.
  return query
  select (e.ord - 1)::int, v_outcome[e.ord], c.id, c
    from jsonb_array_elements(p_items) with ordinality as e(item, ord)
    left join unnest(v_rows) as c on c.id = e.item ->> 'id'
   order by e.ord;
end
$$;
