-- One refund's reservation on its payment, or why not, as `payment_refund_reserve_many` decides it
-- (the refund rules' one home).
create or replace function payment_refund_reserve(p_payment_id varchar, p_order_id varchar,
    p_currency varchar, p_amount bigint, p_max_wechat integer, p_max_alipay integer,
    p_days_wechat integer, p_days_alipay integer, out o_payment payment, out o_refusal varchar)
  returns record
  language sql
as $$
select r.payment, r.refusal
  from payment_refund_reserve_many(array[p_payment_id], array[p_order_id], array[p_currency], array[p_amount],
                                   p_max_wechat, p_max_alipay, p_days_wechat, p_days_alipay) as r;
$$;
