-- Whether a claim counts as late: made more than `p_late_seconds` after delivery (a claim on an
-- undelivered order, delay null, is not). With `case_claim_fast`, the one definition of claim timing:
-- `case_customer_figures` (risk flagging's claim-timing rule: > 24 hours) and
-- `CaseFigures.claimFigures` count with it. An immutable one-expression function: inlined where used.
create or replace function case_claim_late(p_delay_seconds integer, p_late_seconds integer)
  returns boolean
  language sql immutable parallel safe
as $$ select p_delay_seconds > p_late_seconds $$;
