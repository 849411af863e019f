-- The audit module's one insert, for writers in SQL (refund commands and transitions, case reports):
-- append-only audit events, record `n` of the arrays in order, in one statement. TypeScript writers
-- use src/audit.
create or replace function audit_record_many(p_ids varchar[], p_actor_ids varchar[], p_actor_roles varchar[],
    p_actions varchar[], p_subject_types varchar[], p_subject_ids varchar[], p_request_ids varchar[],
    p_befores jsonb[], p_afters jsonb[])
  returns void
  language sql
as $$
insert into audit_event (id, actor_id, actor_role, action, subject_type, subject_id, request_id, before, after)
select a.id, a.actor_id, a.actor_role, a.action, a.subject_type, a.subject_id, a.request_id, a.before, a.after
  from unnest(p_ids, p_actor_ids, p_actor_roles, p_actions, p_subject_types, p_subject_ids, p_request_ids,
              p_befores, p_afters) with ordinality
         as a(id, actor_id, actor_role, action, subject_type, subject_id, request_id, before, after, n)
 order by a.n;
$$;
