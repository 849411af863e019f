-- What a refund request reads before it writes: the refund already holding the idempotency key, if
-- any, and the immutable facts of the payment (given, or the order's only payment) that the ledger
-- entry needs. Volatile (the default) so the planner does not inline it into the caller, which would
-- plan its body again on every call.
create or replace function refund_request_context(p_scope varchar, p_key varchar, p_payment_id
    varchar, p_order_id varchar)
  returns table(existing_id varchar, order_payments bigint, id varchar, order_id varchar,
      merchant_id varchar, rider_id varchar, channel varchar, currency varchar)
  language sql
as $$
select (select r.id from refund r where r.idempotency_scope = p_scope and r.idempotency_key = p_key),
       (select count(*) from payment x where p_payment_id is null and x.order_id = p_order_id),
       p.id, p.order_id, p.merchant_id, p.rider_id, p.channel, p.currency
  from (select 1) as one
  left join payment p
    on p.id = coalesce(p_payment_id,
                       (select x.id from payment x where x.order_id = p_order_id order by x.created_at limit 1))
$$;
