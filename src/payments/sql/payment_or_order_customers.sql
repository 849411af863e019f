-- For other modules (risk flagging): the customers who paid the payments in `p_payment_ids` or placed
-- the orders in `p_order_ids`, with the id each was found by. Inlinable; reads the primary keys.
create or replace function payment_or_order_customers(p_payment_ids text[], p_order_ids text[])
  returns table(customer_id varchar, payment_id varchar, order_id varchar)
  language sql stable
as $$
select p.customer_id, p.id, null::varchar from payment p where p.id = any(p_payment_ids)
union all
select o.customer_id, null::varchar, o.id from food_order o where o.id = any(p_order_ids)
$$;
