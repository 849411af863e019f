-- A refund that succeeded: its reserved amount is now refunded. The order's refund status follows
-- with `payment_order_refund_status`, after the ledger entry (payment row, then ledger accounts, then
-- the order: the lock order of every writer).
create or replace function payment_refund_settle(p_payment_id varchar, p_amount bigint)
  returns void
  language sql
as $$
update payment set refunded_minor = refunded_minor + p_amount where id = p_payment_id;
$$;
