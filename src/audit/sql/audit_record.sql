-- The audit module's one insert, for writers in SQL (refund commands and transitions): one append-only
-- audit event. TypeScript writers use src/audit.
create or replace function audit_record(p_id varchar, p_actor_id varchar, p_actor_role varchar,
    p_action varchar, p_subject_type varchar, p_subject_id varchar, p_request_id varchar,
    p_before jsonb, p_after jsonb)
  returns void
  language sql
as $$
insert into audit_event (id, actor_id, actor_role, action, subject_type, subject_id, request_id, before, after)
values (p_id, p_actor_id, p_actor_role, p_action, p_subject_type, p_subject_id, p_request_id, p_before, p_after);
$$;
