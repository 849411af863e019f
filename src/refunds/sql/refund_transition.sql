-- A refund's state change in one statement. Locks the refund; if it already has the target status,
-- or the target cannot follow it (`p.from` lists the statuses it may follow: the state machine is in
-- refund.state.ts), or `p.attempt` is given and a later submission has been claimed since (the answer
-- is stale: see RefundChange.onlyForAttempt), writes nothing but a missing provider refund id and
-- returns changed = false.
-- Otherwise it writes the refunds module's own rows (the status, the refund event) and calls each
-- owner for the rest: the audit record (audit_record), the customer notification (notification_store:
-- deduplicated, with its delivery job when a webhook is configured), then the money: SETTLE
-- (payment_refund_settle, the ledger entry, payment_order_refund_status) or RELEASE
-- (payment_refund_release, the ledger entry), payment row before ledger accounts. Last, a follow-up job (the first poll of a PROCESSING
-- refund, job_enqueue) when asked. The ledger entry arrives prepared; its key is new for every state a refund
-- enters once, so a conflict is an invariant violation and aborts everything.
--
-- Plans are generic (`plan_cache_mode`): every statement here finds rows by key, and custom plans
-- for array or JSON parameters were rebuilt on every call (see docs/performance.md).
create or replace function refund_transition(p jsonb, out o_changed boolean, out o_refund refund)
  returns record
  language plpgsql
  set plan_cache_mode = force_generic_plan
as $$
declare
  v_current refund;
  v_to varchar := p ->> 'to';
  v_note jsonb := p -> 'notification';
  v_entry jsonb := p -> 'entry';
begin
  select * into v_current from refund where id = p ->> 'refundId' for update;
  if not found then
    raise exception 'refund % is unknown', p ->> 'refundId' using errcode = 'RF404';
  end if;
  if v_current.status = v_to
     or not v_current.status = any (array(select jsonb_array_elements_text(p -> 'from')))
     or v_current.attempts <> coalesce((p ->> 'attempt')::int, v_current.attempts) then
    if p ->> 'providerRefundId' is not null and v_current.provider_refund_id is null then
      update refund set provider_refund_id = p ->> 'providerRefundId' where id = v_current.id
      returning * into v_current;
    end if;
    o_changed := false;
    o_refund := v_current;
    return;
  end if;

  update refund
     set status = v_to, provider_refund_id = coalesce(p ->> 'providerRefundId', provider_refund_id),
         settled_by = coalesce(p ->> 'settledBy', settled_by),
         finalized_at = case when (p ->> 'final')::boolean then now() else finalized_at end,
         lease_until = null, updated_at = now()
   where id = v_current.id
  returning * into o_refund;
  insert into refund_event (refund_id, from_status, to_status, source, actor_id, actor_role, detail)
  values (o_refund.id, v_current.status, v_to, p ->> 'source', p ->> 'actorId', p ->> 'actorRole',
          p -> 'eventDetail');
  perform audit_record(p ->> 'auditId', p ->> 'actorId', p ->> 'actorRole', 'refund.' || lower(v_to), 'refund',
                       o_refund.id, p ->> 'requestId', jsonb_build_object('status', v_current.status),
                       p -> 'auditAfter');

  if jsonb_typeof(v_note) = 'object' then
    perform notification_store(v_note);
  end if;

  if p ->> 'effect' = 'SETTLE' then
    perform payment_refund_settle(o_refund.payment_id, o_refund.amount_minor);
  elsif p ->> 'effect' = 'RELEASE' then
    perform payment_refund_release(o_refund.payment_id, o_refund.amount_minor);
  end if;
  if jsonb_typeof(v_entry) = 'object' then
    perform 1 from ledger_post_entry(
      v_entry ->> 'kind', v_entry ->> 'referenceType', v_entry ->> 'referenceId', v_entry ->> 'memo', null,
      v_entry ->> 'key', v_entry ->> 'hash',
      array(select a::bigint from jsonb_array_elements_text(v_entry -> 'accountIds') as a),
      array(select d::char(1) from jsonb_array_elements_text(v_entry -> 'directions') as d),
      array(select m::bigint from jsonb_array_elements_text(v_entry -> 'amounts') as m),
      array(select c::varchar from jsonb_array_elements_text(v_entry -> 'currencies') as c));
    if not found then
      raise exception 'ledger entry % already exists for a new refund state', v_entry ->> 'key'
        using errcode = 'P0001';
    end if;
  end if;
  if p ->> 'effect' = 'SETTLE' then
    perform payment_order_refund_status(o_refund.order_id);
  end if;

  if jsonb_typeof(p -> 'followUp') = 'object' and o_refund.status = 'PROCESSING' then
    perform job_enqueue(p -> 'followUp' ->> 'queue', p -> 'followUp' -> 'data',
                        (p -> 'followUp' ->> 'delaySeconds')::int);
  end if;
  o_changed := true;
end
$$;
