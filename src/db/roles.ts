import type { Client } from 'pg';
import { onAdminConnection } from './admin.js';
import { quoteIdent } from './embedded-postgres.js';

/**
 * The two database roles of a least-privilege deployment. The owner runs migrations and owns every
 * table, function and trigger; the service connects as the runtime role: no superuser (so it cannot
 * `SET session_replication_role` to switch triggers off), no ownership (so it cannot disable, drop or
 * replace a trigger), and no UPDATE, DELETE or TRUNCATE on the ledger's tables (their cached totals
 * move only inside the owner's posting trigger). The job queue's schema (`pgboss`) belongs to the
 * runtime role: pg-boss creates and maintains its own tables there (and, since its start runs
 * `create schema if not exists`, the runtime role may create schemas: never in `public`).
 */
export interface DatabaseRoles {
  readonly owner: { readonly name: string; readonly password: string };
  readonly runtime: { readonly name: string; readonly password: string };
}

/** The ledger's tables: the runtime role may read and insert, never change or remove. */
export const LEDGER_TABLES = ['journal_entry', 'posting', 'ledger_account'] as const;

/**
 * Creates (or brings up to date) both roles on a server and hands them `database`, connected as a
 * role that may create roles (a superuser, or CREATEROLE and the database's owner). Idempotent.
 * One connection to `database` and one round trip (roles are the cluster's, so they can be managed
 * from inside it): a simple-protocol batch, which PostgreSQL runs as one transaction.
 */
export async function provisionRoles(
  adminUrl: string,
  database: string,
  roles: DatabaseRoles,
): Promise<void> {
  const inDatabase = new URL(adminUrl);
  inDatabase.pathname = `/${database}`;
  await onAdminConnection(inDatabase.toString(), (db) => provisionRolesOn(db, database, roles));
}

/** `provisionRoles` on a connection to `database` the caller holds (as a role that may create roles). */
export async function provisionRolesOn(db: Client, database: string, roles: DatabaseRoles): Promise<void> {
  const owner = quoteIdent(roles.owner.name);
  const runtime = quoteIdent(roles.runtime.name);
  const statements = [
    upsertRoleSql(roles.owner),
    upsertRoleSql(roles.runtime),
    `alter database ${quoteIdent(database)} owner to ${owner}`,
    `revoke all on database ${quoteIdent(database)} from public`,
    // CREATE: pg-boss runs `create schema if not exists pgboss` at start, which checks it first.
    `grant connect, temporary, create on database ${quoteIdent(database)} to ${runtime}`,
    `alter schema public owner to ${owner}`,
    `revoke create on schema public from public`,
    `create schema if not exists pgboss authorization ${runtime}`,
    `alter schema pgboss owner to ${runtime}`,
    // A database built before the roles existed (by a superuser): its objects change hands.
    reownSql('public', roles.owner.name),
    reownSql('pgboss', roles.runtime.name),
  ];
  await db.query(statements.join(';\n'));
}

/** A login role with no special rights and this password, created or brought back to that. */
function upsertRoleSql(role: DatabaseRoles['owner']): string {
  const attributes = `login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password ${quoteLiteral(role.password)}`;
  return `do $role$
begin
  if exists (select 1 from pg_roles where rolname = ${quoteLiteral(role.name)}) then
    alter role ${quoteIdent(role.name)} ${attributes};
  else
    create role ${quoteIdent(role.name)} ${attributes};
  end if;
end
$role$`;
}

/**
 * What the runtime role may do with the owner's schema, run by the owner after every migration (new
 * tables get the same): read and write the service's tables, read and insert the ledger's, call the
 * functions. Idempotent.
 */
export function runtimeGrants(runtimeRole: string): string[] {
  const runtime = quoteIdent(runtimeRole);
  return [
    `grant usage on schema public to ${runtime}`,
    `grant select, insert, update, delete on all tables in schema public to ${runtime}`,
    `revoke update, delete, truncate on ${LEDGER_TABLES.join(', ')} from ${runtime}`,
    `grant usage, select on all sequences in schema public to ${runtime}`,
    `grant execute on all functions in schema public to ${runtime}`,
  ];
}

/** Gives every table, view, free-standing sequence and function of `schema` to `role`. */
function reownSql(schema: string, role: string): string {
  return `do $$
declare
  ddl text;
begin
  for ddl in
    select format('alter %s %s owner to %I',
                  case c.relkind when 'S' then 'sequence' when 'v' then 'view' else 'table' end, c.oid::regclass,
                  ${quoteLiteral(role)})
      from pg_class c
     where c.relnamespace = ${quoteLiteral(schema)}::regnamespace and c.relkind in ('r', 'p', 'S', 'v')
       and pg_get_userbyid(c.relowner) <> ${quoteLiteral(role)}
       and not exists (select 1 from pg_depend d
                        where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i'))
    union all
    select format('alter routine %s owner to %I', p.oid::regprocedure, ${quoteLiteral(role)})
      from pg_proc p
     where p.pronamespace = ${quoteLiteral(schema)}::regnamespace and pg_get_userbyid(p.proowner) <> ${quoteLiteral(role)}
  loop
    execute ddl;
  end loop;
end
$$`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
