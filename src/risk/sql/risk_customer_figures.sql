-- Every figure every customer rule needs, for the customers in `p_customers` and those who paid the
-- payments in `p_payment_ids` or placed the orders in `p_order_ids` (answered in `payment_ids` and
-- `order_ids`), at `p_as_of`, amounts in `p_currency`, with the contributing rows listed when
-- `p_evidence`; with their active flags. Each part is the owning module's read-only function over one
-- customer's bounded window, laterally, so even a generic plan reads by index (test/risk/explain.test.ts
-- explains this body).
--
-- A part is read only when some rule that needs it may still raise a flag on the customer:
-- `p_refund_rules` (7- and 30-day refunds), `p_refunded_order_rules` (orders refunded in 90 days),
-- `p_order_rules` (orders placed in 90 days), `p_spend_rules` (paid in 30 days), `p_claim_rules` and
-- `p_payer_rules` name the rule versions (`rule:version`) needing each part, and a part all of whose
-- rule versions the customer already holds as active flags is skipped (its functions' one-time filter),
-- since evaluating it could raise nothing new. '*' (held by nobody) forces a part. So a customer already
-- flagged for heavy refunding costs one index probe of their flags, not a scan of their refunds, on
-- every request; one flagged for refund frequency and refunded orders but not for refunded amounts
-- reads 30 days of refunds, without the 90-day refunded orders (a sort) and without the order count.
--
-- Planned once per connection: generic plans (`plan_cache_mode`), since custom plans of this statement
-- were rebuilt on every call and planning cost more than running it (see docs/performance.md). Without
-- presorted aggregates (`enable_presorted_aggregate`): the planner otherwise sorts the refunds part's
-- input by `order_id` for its distinct count even when that count's filter is false (the usual case:
-- a part is skipped), where each aggregate's own sort sees only the rows its filter lets through.
create or replace function risk_customer_figures(p_customers text[], p_as_of timestamptz, p_currency text,
                                                 p_payment_ids text[], p_order_ids text[], p_evidence boolean,
                                                 p_refund_rules text[], p_refunded_order_rules text[],
                                                 p_order_rules text[], p_spend_rules text[],
                                                 p_claim_rules text[], p_payer_rules text[])
  returns table(customer_id varchar, payment_ids varchar[], order_ids varchar[], refunds_7d int, refunds_30d int,
                refunded_7d_minor text, refunded_30d_minor text, refunded_orders_90d int,
                refund_ids_7d varchar[], refund_ids_30d varchar[], refunded_order_ids_90d varchar[],
                orders_90d int, spent_30d_minor text, claims_30d int, claims_without_evidence_30d int,
                claims_fast_30d int, claims_late_30d int, case_ids_30d varchar[], payer_account varchar,
                payer_refunding_ids varchar[], flags json)
  language sql stable
  set plan_cache_mode = force_generic_plan
  set enable_presorted_aggregate = off
as $$
with req as (
  select u.customer_id::varchar as customer_id, null::varchar as payment_id, null::varchar as order_id
    from unnest(p_customers) as u(customer_id)
  union all
  select * from payment_or_order_customers(p_payment_ids, p_order_ids)
),
c as (
  select req.customer_id, array_remove(array_agg(req.payment_id), null) as payment_ids,
         array_remove(array_agg(req.order_id), null) as order_ids
    from req where req.customer_id is not null group by req.customer_id
),
h as (
  select c.*, fl.flags, fl.held
    from c
    cross join lateral (
      select coalesce(json_agg(json_build_object('id', f.id, 'ruleId', f.rule_id, 'ruleVersion', f.rule_version,
                                                 'action', f.action, 'mode', f.mode) order by f.id), '[]') as flags,
             coalesce(array_agg(f.rule_id || ':' || f.rule_version), '{}')::text[] as held
        from risk_flag f
       where f.subject_id = c.customer_id and f.subject_kind = 'CUSTOMER' and f.status = 'ACTIVE'
    ) as fl
)
select h.customer_id, h.payment_ids, h.order_ids,
       rf.refunds_7d::int, rf.refunds_30d::int, rf.refunded_7d_minor::text, rf.refunded_30d_minor::text,
       rf.refunded_orders_90d::int, rf.refund_ids_7d, rf.refund_ids_30d, rf.refunded_order_ids_90d,
       pm.orders_90d::int, pm.spent_30d_minor::text,
       cs.claims_30d::int, cs.claims_without_evidence_30d::int, cs.claims_fast_30d::int, cs.claims_late_30d::int,
       cs.case_ids_30d,
       pc.payer_account, coalesce(pc.refunding_ids, '{}'),
       h.flags
  from h
  cross join lateral refund_customer_figures(h.customer_id, p_as_of, p_currency, p_evidence,
                                             not (p_refund_rules <@ h.held),
                                             not (p_refunded_order_rules <@ h.held)) as rf
  cross join lateral payment_customer_figures(h.customer_id, p_as_of, p_currency,
                                              not (p_order_rules <@ h.held),
                                              not (p_spend_rules <@ h.held)) as pm
  cross join lateral case_customer_figures(h.customer_id, p_as_of, 120, 86400, p_evidence,
                                           not (p_claim_rules <@ h.held)) as cs
  left join lateral (
    select payers.payer_account, r.refunding_ids
      from payment_payer_clusters(h.customer_id, p_as_of, not (p_payer_rules <@ h.held)) as payers
      cross join lateral (
        select coalesce(array_agg(m order by m), '{}') as refunding_ids
          from unnest(payers.member_ids) as m
         where refund_customer_refunded_30d(m, p_as_of)
      ) as r
     order by cardinality(r.refunding_ids) desc, payers.payer_account
     limit 1
  ) as pc on true
$$;
