-- What remains refundable on a payment (its amount less what refunds have reserved), for a caller
-- that explains a refusal; null for an unknown payment.
create or replace function payment_refundable(p_payment_id varchar)
  returns bigint
  language sql
  stable
as $$
select amount_minor - reserved_minor from payment where id = p_payment_id;
$$;
