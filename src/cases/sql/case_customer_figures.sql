-- For other modules (risk flagging): one customer's claims (cases reported in the app or by phone;
-- system-detected ones are not claims, as in case.figures.ts) in the 30 days before `p_as_of`: how many,
-- how many without evidence, how many made less than `p_fast_seconds` or more than `p_late_seconds` after
-- delivery (`case_claim_fast` / `case_claim_late`, as CaseFigures.claimFigures counts them), and with `p_evidence` the cases (at most 50, newest first). With `p_needed` false it reads
-- nothing and answers zeros. Inlinable (language sql, stable); reads `after_sales_case_customer_id_created_at_index`.
create or replace function case_customer_figures(p_customer text, p_as_of timestamptz, p_fast_seconds integer,
                                                 p_late_seconds integer, p_evidence boolean, p_needed boolean)
  returns table(claims_30d bigint, claims_without_evidence_30d bigint, claims_fast_30d bigint,
                claims_late_30d bigint, case_ids_30d varchar[])
  language sql stable
as $$
select count(*),
       count(*) filter (where c.evidence_count = 0),
       count(*) filter (where case_claim_fast(c.claim_delay_seconds, p_fast_seconds)),
       count(*) filter (where case_claim_late(c.claim_delay_seconds, p_late_seconds)),
       coalesce((array_agg(c.id order by c.created_at desc) filter (where p_evidence))[1:50], '{}')
  from after_sales_case c
 where p_needed and c.customer_id = p_customer
   and c.created_at >= p_as_of - interval '30 days' and c.created_at < p_as_of
   and c.channel <> 'SYSTEM'
$$;
