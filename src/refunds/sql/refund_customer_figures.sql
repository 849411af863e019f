-- Read-only figures over one customer's refunds for other modules (risk flagging): counts and sums over
-- the 7, 30 and 90 days before `p_as_of` (amounts in `p_currency`), and with `p_evidence` the
-- contributing refunds and orders (at most 50 each). Refunds refused or closed do not count. Bounded in
-- rows too: at most the customer's latest 1,000 refunds in the window are read (far above any rule's
-- threshold; such a customer is flagged long before). Reads
-- `refund_customer_id_created_at_index`, which carries the columns read. With `p_needed` false it reads
-- nothing and answers zeros (a one-time filter: the caller already knows the answer cannot matter).
-- Inlinable (language sql, stable, no settings): callers plan it as part of their own statement.
create or replace function refund_customer_figures(p_customer text, p_as_of timestamptz, p_currency text,
                                                   p_evidence boolean, p_needed boolean)
  returns table(refunds_7d bigint, refunds_30d bigint, refunded_7d_minor numeric, refunded_30d_minor numeric,
                refunded_orders_90d bigint, refund_ids_30d varchar[], refund_ids_7d varchar[],
                refunded_order_ids_90d varchar[])
  language sql stable
as $$
select count(*) filter (where r.created_at >= p_as_of - interval '7 days'),
       count(*) filter (where r.created_at >= p_as_of - interval '30 days'),
       coalesce(sum(r.amount_minor) filter (where r.created_at >= p_as_of - interval '7 days'
                                              and r.currency = p_currency), 0),
       coalesce(sum(r.amount_minor) filter (where r.created_at >= p_as_of - interval '30 days'
                                              and r.currency = p_currency), 0),
       count(distinct r.order_id),
       coalesce((array_agg(r.id order by r.created_at desc)
                   filter (where p_evidence and r.created_at >= p_as_of - interval '30 days'))[1:50], '{}'),
       coalesce((array_agg(r.id order by r.created_at desc)
                   filter (where p_evidence and r.created_at >= p_as_of - interval '7 days'))[1:50], '{}'),
       coalesce((array_agg(distinct r.order_id) filter (where p_evidence))[1:50], '{}')
  from (select r.id, r.order_id, r.amount_minor, r.currency, r.created_at
          from refund r
         where p_needed and r.customer_id = p_customer
           and r.created_at >= p_as_of - interval '90 days' and r.created_at < p_as_of
           and r.status not in ('FAILED', 'CLOSED')
         order by r.created_at desc
         limit 1000) as r
$$;
