-- Reserves a refund's amount on its payment, or says why not: the refund rules live here, in one
-- conditional UPDATE (so racing refunds can never exceed the payment), and the refusal is read back
-- only when it did not apply, in the order a caller reports them: PAYMENT_NOT_FOUND (unknown, or not
-- the given order's), CURRENCY_MISMATCH, REFUND_WINDOW_EXPIRED, TOO_MANY_PARTIAL_REFUNDS,
-- REFUND_EXCEEDS_REMAINING. The limits are the caller's configuration, per channel.
create or replace function payment_refund_reserve(p_payment_id varchar, p_order_id varchar,
    p_currency varchar, p_amount bigint, p_max_wechat integer, p_max_alipay integer,
    p_days_wechat integer, p_days_alipay integer, out o_payment payment, out o_refusal varchar)
  returns record
  language plpgsql
as $$
begin
  update payment p
     set reserved_minor = p.reserved_minor + p_amount, refund_count = p.refund_count + 1
   where p.id = p_payment_id and p.currency = p_currency
     and (p_order_id is null or p.order_id = p_order_id)
     and p.reserved_minor + p_amount <= p.amount_minor
     and p.refund_count < case p.channel when 'WECHAT_PAY' then p_max_wechat else p_max_alipay end
     and p.captured_at > now() - make_interval(
           days => case p.channel when 'WECHAT_PAY' then p_days_wechat else p_days_alipay end)
  returning p.* into o_payment;
  if found then
    return;
  end if;
  o_payment := null;
  select case
           when p.id is null or (p_order_id is not null and p.order_id <> p_order_id) then 'PAYMENT_NOT_FOUND'
           when p.currency <> p_currency then 'CURRENCY_MISMATCH'
           when p.captured_at <= now() - make_interval(
                  days => case p.channel when 'WECHAT_PAY' then p_days_wechat else p_days_alipay end)
             then 'REFUND_WINDOW_EXPIRED'
           when p.refund_count >= case p.channel when 'WECHAT_PAY' then p_max_wechat else p_max_alipay end
             then 'TOO_MANY_PARTIAL_REFUNDS'
           else 'REFUND_EXCEEDS_REMAINING'
         end
    into o_refusal
    from (select 1) as one left join payment p on p.id = p_payment_id;
end
$$;
