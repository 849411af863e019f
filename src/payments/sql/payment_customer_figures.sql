-- Read-only figures over one customer's orders and payments for other modules (risk flagging): with
-- `p_orders_needed`, the orders placed in the 90 days before `p_as_of`; with `p_spend_needed`, the
-- money paid (in `p_currency`) in the 30 days before it. What is not needed reads nothing and answers
-- zero. Inlinable (language sql, stable); both read (customer_id, created_at) indexes carrying what is
-- read.
create or replace function payment_customer_figures(p_customer text, p_as_of timestamptz, p_currency text,
                                                    p_orders_needed boolean, p_spend_needed boolean)
  returns table(orders_90d bigint, spent_30d_minor numeric)
  language sql stable
as $$
select (select count(*)
          from food_order o
         where p_orders_needed and o.customer_id = p_customer
           and o.created_at >= p_as_of - interval '90 days' and o.created_at < p_as_of),
       (select coalesce(sum(p.amount_minor) filter (where p.currency = p_currency), 0)
          from payment p
         where p_spend_needed and p.customer_id = p_customer
           and p.created_at >= p_as_of - interval '30 days' and p.created_at < p_as_of)
$$;
