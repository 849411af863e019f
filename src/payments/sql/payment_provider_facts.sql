-- What a provider needs to know of a payment to refund it or look a refund up: its number, the
-- provider's transaction id and its amount. A read for the refunds module (the worker's claim, a
-- notify's match). Stable `language sql` returning a table, so a caller's FROM inlines it like a view.
create or replace function payment_provider_facts(p_payment_id varchar)
  returns table(out_trade_no varchar, provider_transaction_id varchar, amount_minor bigint)
  language sql
  stable
as $$
select out_trade_no, provider_transaction_id, amount_minor from payment where id = p_payment_id
$$;
