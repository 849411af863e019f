-- A refund that failed or was closed: its amount is no longer reserved on the payment (the refund
-- still counts towards the provider's limit on refunds per payment).
create or replace function payment_refund_release(p_payment_id varchar, p_amount bigint)
  returns void
  language sql
as $$
update payment set reserved_minor = reserved_minor - p_amount where id = p_payment_id;
$$;
