-- The payment a refund request is for (given, or the order's first payment) with the immutable facts
-- the request needs, and how many payments the order has when only the order is given (a request
-- must then name one). No row for an unknown payment. A read for the refunds module's pre-read
-- (`refund_request_context`). Stable `language sql` returning a table, so the caller's FROM inlines it.
create or replace function payment_refund_target(p_payment_id varchar, p_order_id varchar)
  returns table(order_payments bigint, id varchar, order_id varchar, merchant_id varchar, rider_id
      varchar, channel varchar, currency varchar)
  language sql
  stable
as $$
select (select count(*) from payment x where p_payment_id is null and x.order_id = p_order_id),
       p.id, p.order_id, p.merchant_id, p.rider_id, p.channel, p.currency
  from payment p
 where p.id = coalesce(p_payment_id,
                       (select x.id from payment x where x.order_id = p_order_id order by x.created_at limit 1))
$$;
