import { sqlOnPool, type Orm, type SqlPart } from '../db/index.js';
import type { ClaimFigures, ClaimFiguresQuery } from './cases.model.js';

export interface ClaimCountQuery {
  readonly customerId: string;
  readonly from: Date;
  readonly to: Date;
}

interface FiguresRow {
  claims: number;
  without_evidence: number;
  fast: number;
  late: number;
  p50: number | null;
  p90: number | null;
  max: number | null;
  ids: string[];
}

/**
 * Orders claimed in [`$1` − 30 days, `$1`): a case reported on them in the app or by phone (system-detected
 * cases are not claims), for merchants' and riders' claim rates (risk flagging's sweep). Reads the
 * `created_at` index.
 */
export const CLAIMED_ORDERS_30D_SQL = `
  select distinct c.order_id
    from after_sales_case c
   where c.created_at >= $1::timestamptz - interval '30 days' and c.created_at < $1::timestamptz
     and c.channel <> 'SYSTEM'`;

/**
 * Customers who reported a case (app or phone) in [`$1` − 30 days, `$1`) after `$2` (keyset), in id order,
 * at most `$3`: with the refunds' `REFUND_ACTIVE_CUSTOMERS_SQL` (same parameters), the population risk
 * flagging's sweep re-evaluates, so a customer who only claims is swept too. Read page by page off the
 * `(customer_id, created_at)` index.
 */
export const CLAIMING_ACTIVE_CUSTOMERS_SQL = `
  select c.customer_id
    from after_sales_case c
   where c.customer_id > $2::text
     and c.created_at >= $1::timestamptz - interval '30 days' and c.created_at < $1::timestamptz
     and c.channel <> 'SYSTEM'
   group by c.customer_id
   order by c.customer_id
   limit $3::int`;

/** Customers who reported a case (app or phone) in [`$1`, `$2`) (a risk backtest's day); `created_at` index. */
export const CLAIMING_CUSTOMERS_BETWEEN_SQL = `
  select distinct c.customer_id
    from after_sales_case c
   where c.created_at >= $1::timestamptz and c.created_at < $2::timestamptz and c.channel <> 'SYSTEM'`;

/**
 * For each customer `$1[i]`, whether a case they reported at or after `$2[i]` was rejected, or decided and
 * then overturned on appeal (a risk backtest: did the customers a rule would have flagged turn out to
 * claim wrongly?). Reads the `(customer_id, created_at)` index and each case's appeals.
 */
export const LATER_CASE_OUTCOMES_SQL = `
  select f.customer_id,
         coalesce(bool_or(c.outcome = 'REJECT'), false) as rejected,
         coalesce(bool_or(exists (select 1 from case_appeal a where a.case_id = c.id and a.status = 'OVERTURNED')),
                  false) as overturned
    from unnest($1::text[], $2::timestamptz[]) as f(customer_id, since)
    left join after_sales_case c
      on c.customer_id = f.customer_id and c.created_at >= f.since and c.channel <> 'SYSTEM'
   group by f.customer_id`;

/**
 * How many cases each customer reported (app or phone) in [`from`, `to`) (the auto-review's `claims30d`),
 * as a part of a statement (the reports' one pre-read statement):
 * parameters `$<first>`…`$<first + 2>`, each count read off the `(customer_id, created_at)` index.
 */
export function claimCountsPart(items: readonly ClaimCountQuery[]): SqlPart<number[]> {
  return {
    sql: (first) =>
      `(select coalesce(json_agg(json_build_array(q.n, (select count(*) from after_sales_case c
                  where c.customer_id = q.customer_id and c.created_at >= q.since and c.created_at < q.until
                    and c.channel <> 'SYSTEM'))), '[]')
          from unnest($${first}::text[], $${first + 1}::timestamptz[], $${first + 2}::timestamptz[])
               with ordinality as q(customer_id, since, until, n))`,
    params: [items.map((q) => q.customerId), items.map((q) => q.from), items.map((q) => q.to)],
    read: (value) => {
      const byN = new Map(value as [number, number][]);
      return items.map((_, i) => byN.get(i + 1) ?? 0);
    },
  };
}

/**
 * Read-only figures other modules (risk flagging) may ask for: one indexed range scan on
 * (customer_id, created_at), aggregated in SQL. Fast and late claims are counted by the same SQL
 * predicates (`sql/case_claim_fast.sql`, `sql/case_claim_late.sql`) as `case_customer_figures`, the
 * risk rules' claim figures.
 */
export class CaseFigures {
  constructor(private readonly orm: Orm) {}

  async claimFigures(query: ClaimFiguresQuery): Promise<ClaimFigures> {
    const [row] = await sqlOnPool(this.orm).prepared<FiguresRow>(
      `select count(*)::int as claims,
              count(*) filter (where evidence_count = 0)::int as without_evidence,
              count(*) filter (where case_claim_fast(claim_delay_seconds, $4::int))::int as fast,
              count(*) filter (where case_claim_late(claim_delay_seconds, $5::int))::int as late,
              percentile_cont(0.5) within group (order by claim_delay_seconds) as p50,
              percentile_cont(0.9) within group (order by claim_delay_seconds) as p90,
              max(claim_delay_seconds) as max,
              coalesce(array_agg(id order by created_at, id), '{}') as ids
         from after_sales_case
        where customer_id = $1 and created_at >= $2 and created_at < $3 and channel <> 'SYSTEM'`,
      [
        query.customerId,
        query.from,
        query.to,
        query.fastUnderSeconds ?? null,
        query.lateAfterSeconds ?? null,
      ],
    );
    const figures = row!;
    return {
      customerId: query.customerId,
      from: query.from,
      to: query.to,
      claims: figures.claims,
      claimsWithoutEvidence: figures.without_evidence,
      claimsFast: figures.fast,
      claimsLate: figures.late,
      claimDelaySeconds: {
        p50: figures.p50 === null ? null : Number(figures.p50),
        p90: figures.p90 === null ? null : Number(figures.p90),
        max: figures.max,
      },
      caseIds: figures.ids,
    };
  }
}
