-- What a refund request reads before it writes: the refund already holding the idempotency key, if
-- any, and the immutable facts of the payment (given, or the order's only payment) that the ledger
-- entry needs, from the payments module (`payment_refund_target`). Volatile (the default) so the
-- planner does not inline it into the caller, which would plan its body again on every call.
create or replace function refund_request_context(p_scope varchar, p_key varchar, p_payment_id
    varchar, p_order_id varchar)
  returns table(existing_id varchar, order_payments bigint, id varchar, order_id varchar,
      merchant_id varchar, rider_id varchar, channel varchar, currency varchar)
  language sql
as $$
select (select r.id from refund r where r.idempotency_scope = p_scope and r.idempotency_key = p_key),
       t.order_payments, t.id, t.order_id, t.merchant_id, t.rider_id, t.channel, t.currency
  from (select 1) as one
  left join lateral payment_refund_target(p_payment_id, p_order_id) as t on true
$$;
