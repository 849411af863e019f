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
 */
export async function provisionRoles(
  adminUrl: string,
  database: string,
  roles: DatabaseRoles,
): Promise<void> {
  await onAdminConnection(adminUrl, async (admin) => {
    for (const role of [roles.owner, roles.runtime]) {
      const found = await admin.query('select 1 from pg_roles where rolname = $1', [role.name]);
      const verb = found.rowCount === 0 ? 'create' : 'alter';
      await admin.query(
        `${verb} role ${quoteIdent(role.name)} login nosuperuser nocreatedb nocreaterole noreplication nobypassrls ` +
          `password ${quoteLiteral(role.password)}`,
      );
    }
    await admin.query(`alter database ${quoteIdent(database)} owner to ${quoteIdent(roles.owner.name)}`);
    await admin.query(`revoke all on database ${quoteIdent(database)} from public`);
    // CREATE: pg-boss runs `create schema if not exists pgboss` at start, which checks it first.
    await admin.query(
      `grant connect, temporary, create on database ${quoteIdent(database)} to ${quoteIdent(roles.runtime.name)}`,
    );
  });
  const inDatabase = new URL(adminUrl);
  inDatabase.pathname = `/${database}`;
  await onAdminConnection(inDatabase.toString(), async (db) => {
    const owner = quoteIdent(roles.owner.name);
    const runtime = quoteIdent(roles.runtime.name);
    await db.query(`alter schema public owner to ${owner}`);
    await db.query(`revoke create on schema public from public`);
    await db.query(`create schema if not exists pgboss authorization ${runtime}`);
    await db.query(`alter schema pgboss owner to ${runtime}`);
    // A database built before the roles existed (by a superuser): its objects change hands.
    await db.query(reownSql('public', roles.owner.name));
    await db.query(reownSql('pgboss', roles.runtime.name));
  });
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
