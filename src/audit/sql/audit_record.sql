-- One audit event, as `audit_record_many` appends it.
create or replace function audit_record(p_id varchar, p_actor_id varchar, p_actor_role varchar,
    p_action varchar, p_subject_type varchar, p_subject_id varchar, p_request_id varchar,
    p_before jsonb, p_after jsonb)
  returns void
  language sql
as $$
select audit_record_many(array[p_id], array[p_actor_id], array[p_actor_role], array[p_action],
                         array[p_subject_type], array[p_subject_id], array[p_request_id], array[p_before],
                         array[p_after]);
$$;
