-- For other modules (risk flagging): the payer accounts (WeChat openid, Alipay buyer id) the customer
-- paid with in the 90 days before `p_as_of`, each with the customers who paid with it in that window
-- (at most 50, the customer included). Inlinable; reads the customer and payer-account indexes. With
-- `p_needed` false it reads nothing.
create or replace function payment_payer_clusters(p_customer text, p_as_of timestamptz, p_needed boolean)
  returns table(payer_account varchar, member_ids varchar[])
  language sql stable
as $$
select mine.payer_account, m.member_ids
  from (select distinct p.payer_account
          from payment p
         where p_needed and p.customer_id = p_customer and p.payer_account is not null
           and p.created_at >= p_as_of - interval '90 days' and p.created_at < p_as_of) as mine
  cross join lateral (
    select (array_agg(distinct other.customer_id))[1:50] as member_ids
      from payment other
     where other.payer_account = mine.payer_account
       and other.created_at >= p_as_of - interval '90 days' and other.created_at < p_as_of
  ) as m
$$;
