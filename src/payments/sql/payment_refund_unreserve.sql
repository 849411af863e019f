-- Hands back a reservation whose refund was never created (its idempotency key was taken meanwhile):
-- the amount and the refund count, as if `payment_refund_reserve` had not run.
create or replace function payment_refund_unreserve(p_payment_id varchar, p_amount bigint)
  returns void
  language sql
as $$
update payment
   set reserved_minor = reserved_minor - p_amount, refund_count = refund_count - 1
 where id = p_payment_id;
$$;
