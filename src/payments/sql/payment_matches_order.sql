-- A payment never contradicts its order: same currency, the channel and out_trade_no the order
-- declared (when it declared them), and with the order's other payments never more than its total.
-- The order row is locked first, so payments racing for one order are checked one after the other.
-- A replay of a recorded payment (same channel and out_trade_no) passes: the insert's ON CONFLICT
-- makes it a no-op. The constraint names are the refusal reasons payments.sql.ts maps to codes.
create or replace function payment_matches_order()
  returns trigger
  language plpgsql
as $$
declare
  declared food_order%rowtype;
  paid bigint;
begin
  select * into declared from food_order where id = new.order_id for update;
  if not found then
    return new; -- the foreign key refuses it
  end if;
  if exists (select 1 from payment where channel = new.channel and out_trade_no = new.out_trade_no) then
    return new;
  end if;
  if new.currency <> declared.currency then
    raise exception 'payment currency % differs from order % in %', new.currency, declared.id, declared.currency
      using errcode = 'check_violation', constraint = 'payment_currency_matches_order';
  end if;
  if declared.payment_channel is not null and new.channel <> declared.payment_channel then
    raise exception 'order % declared channel %, not %', declared.id, declared.payment_channel, new.channel
      using errcode = 'check_violation', constraint = 'payment_channel_matches_order';
  end if;
  if declared.out_trade_no is not null and new.out_trade_no <> declared.out_trade_no then
    raise exception 'order % declared another out_trade_no', declared.id
      using errcode = 'check_violation', constraint = 'payment_out_trade_no_matches_order';
  end if;
  select coalesce(sum(amount_minor), 0) into paid from payment where order_id = new.order_id;
  if paid + new.amount_minor > declared.total_minor then
    raise exception 'payments of order % would exceed its total', declared.id
      using errcode = 'check_violation', constraint = 'payment_within_order_total';
  end if;
  return new;
end
$$;
