-- The order's refund status from what its payments have refunded: NONE, PARTIALLY_REFUNDED, REFUNDED.
create or replace function payment_order_refund_status(p_order_id varchar)
  returns void
  language sql
as $$
update food_order o
   set refund_status = case when t.refunded = 0 then 'NONE'
                            when t.refunded < t.paid then 'PARTIALLY_REFUNDED'
                            else 'REFUNDED' end,
       updated_at = now()
  from (select coalesce(sum(x.refunded_minor), 0) as refunded, coalesce(sum(x.amount_minor), 0) as paid
          from payment x where x.order_id = p_order_id) t
 where o.id = p_order_id;
$$;
