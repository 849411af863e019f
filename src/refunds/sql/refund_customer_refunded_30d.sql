-- For other modules (risk flagging): whether the customer had a refund (not refused or closed) in the
-- 30 days before `p_as_of`. Inlinable; reads `refund_customer_id_created_at_index`.
create or replace function refund_customer_refunded_30d(p_customer text, p_as_of timestamptz)
  returns boolean
  language sql stable
as $$
select exists (select 1 from refund r
                where r.customer_id = p_customer
                  and r.created_at >= p_as_of - interval '30 days' and r.created_at < p_as_of
                  and r.status not in ('FAILED', 'CLOSED'))
$$;
