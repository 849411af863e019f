import { sqlOnPool, type Orm } from '../db/index.js';

/** Server connections to this database by state (all processes of the service together). */
export function connectionStates(orm: Orm): Promise<{ state: string; count: number }[]> {
  return sqlOnPool(orm).rows<{ state: string; count: number }>(
    `select coalesce(state, 'other') as state, count(*)::int as count
       from pg_stat_activity where datname = current_database() group by 1`,
    [],
  );
}
