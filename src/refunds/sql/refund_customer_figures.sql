-- Read-only figures over one customer's refunds for other modules (risk flagging), at `p_as_of`
-- (amounts in `p_currency`): with `p_needed`, counts and sums over the 7 and 30 days before it (and
-- with `p_evidence` the contributing refunds, at most 50 each); with `p_orders_needed`, the orders
-- refunded in the 90 days before it (with `p_evidence`, at most 50 of them). What is not needed reads
-- nothing and answers zeros: the window is 30 days unless the 90-day orders are needed, and neither
-- flag reads no row at all (a one-time filter: the caller already knows the answer cannot matter).
-- Refunds refused or closed do not count. Bounded in rows too: at most the customer's latest 1,000
-- refunds in the window are read, newest first (far above any rule's threshold; such a customer is
-- flagged long before), so the 7- and 30-day figures are the same whichever window is read. Reads
-- `refund_customer_id_created_at_index`, which carries the columns read.
-- Inlinable (language sql, stable, no settings): callers plan it as part of their own statement.
create or replace function refund_customer_figures(p_customer text, p_as_of timestamptz, p_currency text,
                                                   p_evidence boolean, p_needed boolean,
                                                   p_orders_needed boolean)
  returns table(refunds_7d bigint, refunds_30d bigint, refunded_7d_minor numeric, refunded_30d_minor numeric,
                refunded_orders_90d bigint, refund_ids_30d varchar[], refund_ids_7d varchar[],
                refunded_order_ids_90d varchar[])
  language sql stable
as $$
select count(*) filter (where p_needed and r.created_at >= p_as_of - interval '7 days'),
       count(*) filter (where p_needed and r.created_at >= p_as_of - interval '30 days'),
       coalesce(sum(r.amount_minor) filter (where p_needed and r.created_at >= p_as_of - interval '7 days'
                                              and r.currency = p_currency), 0),
       coalesce(sum(r.amount_minor) filter (where p_needed and r.created_at >= p_as_of - interval '30 days'
                                              and r.currency = p_currency), 0),
       count(distinct r.order_id) filter (where p_orders_needed),
       coalesce((array_agg(r.id order by r.created_at desc)
                   filter (where p_evidence and p_needed and r.created_at >= p_as_of - interval '30 days'))[1:50],
                '{}'),
       coalesce((array_agg(r.id order by r.created_at desc)
                   filter (where p_evidence and p_needed and r.created_at >= p_as_of - interval '7 days'))[1:50],
                '{}'),
       coalesce((array_agg(distinct r.order_id) filter (where p_evidence and p_orders_needed))[1:50], '{}')
  from (select r.id, r.order_id, r.amount_minor, r.currency, r.created_at
          from refund r
         where (p_needed or p_orders_needed) and r.customer_id = p_customer
           and r.created_at >= p_as_of - case when p_orders_needed then interval '90 days'
                                              else interval '30 days' end
           and r.created_at < p_as_of
           and r.status not in ('FAILED', 'CLOSED')
         order by r.created_at desc
         limit 1000) as r
$$;
