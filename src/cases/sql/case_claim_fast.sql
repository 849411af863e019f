-- Whether a claim counts as fast: made less than `p_fast_seconds` after delivery (a claim on an
-- undelivered order, delay null, is not). With `case_claim_late`, the one definition of claim timing:
-- `case_customer_figures` (risk flagging's claim-timing rule: < 2 minutes) and
-- `CaseFigures.claimFigures` count with it. An immutable one-expression function: inlined where used.
create or replace function case_claim_fast(p_delay_seconds integer, p_fast_seconds integer)
  returns boolean
  language sql immutable parallel safe
as $$ select p_delay_seconds < p_fast_seconds $$;
