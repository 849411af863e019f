-- `refund_request_context` for the requests of one group in one statement.
--
-- Plans are generic (`plan_cache_mode`): every statement here finds rows by key, and custom plans
-- for array or JSON parameters were rebuilt on every call (see docs/performance.md).
create or replace function refund_request_contexts(p_items jsonb)
  returns table(idx integer, existing_id varchar, order_payments bigint, id varchar, order_id
      varchar, merchant_id varchar, rider_id varchar, channel varchar, currency varchar)
  language sql
  set plan_cache_mode = force_generic_plan
as $$
select (e.ord - 1)::int, c.*
  from jsonb_array_elements(p_items) with ordinality as e(item, ord)
  cross join lateral refund_request_context(e.item ->> 'scope', e.item ->> 'key', e.item ->> 'paymentId',
                                            e.item ->> 'orderId') as c
 order by e.ord
$$;
