-- Reserves several refunds' amounts, each on its own payment (the ids must be distinct), or says why
-- not: the refund rules live here, in one conditional UPDATE (so racing refunds can never exceed a
-- payment), and a refusal is read only for a request it did not apply to, in the order a caller
-- reports them: PAYMENT_NOT_FOUND (unknown, or not the given order's), CURRENCY_MISMATCH,
-- REFUND_WINDOW_EXPIRED, TOO_MANY_PARTIAL_REFUNDS, REFUND_EXCEEDS_REMAINING. The limits are the
-- caller's configuration, per channel. Request `n` is element `n` of the arrays; returns, in order,
-- `n` with the payment as reserved, or with its refusal. Several payments are locked in id order
-- first, as every writer of payment rows does; the update's statement then reads them as the
-- committed lockers left them. (`p.id = any(p_payment_ids)` beside the join: the generic plan finds the
-- payments by their index then, where a join on `unnest`'s rows alone seq-scanned a small table.)
--
-- Plans are generic (`plan_cache_mode`): every statement here finds rows by key, and custom plans
-- for array or JSON parameters were rebuilt on every call (see docs/performance.md).
create or replace function payment_refund_reserve_many(p_payment_ids varchar[], p_order_ids varchar[],
    p_currencies varchar[], p_amounts bigint[], p_max_wechat integer, p_max_alipay integer,
    p_days_wechat integer, p_days_alipay integer)
  returns table(n integer, payment payment, refusal varchar)
  language plpgsql
  set plan_cache_mode = force_generic_plan
as $$
begin
  if cardinality(p_payment_ids) > 1 then
    if (select count(distinct i) from unnest(p_payment_ids) as i) <> cardinality(p_payment_ids) then
      raise exception 'two reservations of one call are on the same payment'
        using errcode = 'P0001';
    end if;
    perform 1 from (select p.id from payment p where p.id = any(p_payment_ids) order by p.id for update) locked;
  end if;
  return query
  with x as (
    select * from unnest(p_payment_ids, p_order_ids, p_currencies, p_amounts) with ordinality
             as x(payment_id, order_id, currency, amount, n)
  ), reserved as (
    update payment p
       set reserved_minor = p.reserved_minor + x.amount, refund_count = p.refund_count + 1
      from x
     where p.id = any(p_payment_ids) and p.id = x.payment_id and p.currency = x.currency
       and (x.order_id is null or p.order_id = x.order_id)
       and p.reserved_minor + x.amount <= p.amount_minor
       and p.refund_count < case p.channel when 'WECHAT_PAY' then p_max_wechat else p_max_alipay end
       and p.captured_at > now() - make_interval(
             days => case p.channel when 'WECHAT_PAY' then p_days_wechat else p_days_alipay end)
    returning x.n, p
  )
  -- A payment the update left alone is as this statement's snapshot shows it (its row is locked).
  select x.n::int, r.p,
         case
           when r.n is not null then null
           when p.id is null or (x.order_id is not null and p.order_id <> x.order_id) then 'PAYMENT_NOT_FOUND'
           when p.currency <> x.currency then 'CURRENCY_MISMATCH'
           when p.captured_at <= now() - make_interval(
                  days => case p.channel when 'WECHAT_PAY' then p_days_wechat else p_days_alipay end)
             then 'REFUND_WINDOW_EXPIRED'
           when p.refund_count >= case p.channel when 'WECHAT_PAY' then p_max_wechat else p_max_alipay end
             then 'TOO_MANY_PARTIAL_REFUNDS'
           else 'REFUND_EXCEEDS_REMAINING'
         end::varchar
    from x
    left join reserved r on r.n = x.n
    left join payment p on r.n is null and p.id = any(p_payment_ids) and p.id = x.payment_id
   order by x.n;
end
$$;
