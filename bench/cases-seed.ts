/**
 * A history of after-sales cases in bulk for bench/cases.ts: `count` cases over the last 180 days with
 * realistic spreads (most resolved; the last 3 days' cases largely open; a few old ones stuck), their
 * decisions and some appeals, inserted by INSERT … SELECT generate_series and ANALYZEd; then the stored
 * metrics hours are computed (`case_metrics_rebuild`: the load bypassed the triggers). Orders (a quarter
 * as many: each has up to four cases of different types) go in first for the foreign key.
 * `hashint4` of the row number (with a salt per figure) stands in for randomness, so runs are repeatable.
 */
import type pg from 'pg';
import { line } from './support.js';

const TYPES = `array['LATE','DAMAGED','MISSING_ITEM','WRONG_ITEM','NOT_DELIVERED','QUALITY','OTHER']`;

/** h(i, salt): a repeatable pseudo-random non-negative integer. */
const h = (salt: number) => `(hashint4(i + ${salt * 10_000_000}) & 2147483647)`;

const ORDERS_SQL = `
insert into food_order (id, customer_id, merchant_id, rider_id, total_minor, currency, delivery_status,
                        status_changed_at, delivered_at, created_at, updated_at)
select 'bulk_o_' || i, 'bulk_c_' || (i % 200000), 'bulk_m_' || (i % 2000), 'bulk_r_' || (i % 5000),
       1000 + (${h(1)} % 9000), 'CNY', 'DELIVERED', now(), now(), now(), now()
  from generate_series(1, $1::int) i`;

/**
 * Case i: order ((i - 1) % orders) + 1 and type (i - 1) % 7, so the (order, type) pairs are distinct
 * (orders ≡ 2 mod 7); opened (i - 1) / count × 180 days ago plus up to 10 minutes.
 */
const CASES_SQL = `
insert into after_sales_case (id, order_id, customer_id, merchant_id, rider_id, type, channel, reporter_id,
  reporter_role, description, evidence, evidence_count, requested_remedy, requested_amount_minor, currency,
  order_total_minor, status, severity, classification_rule, classification_rule_version, review_rule,
  review_rule_version, assignee_id, assigned_at, first_reviewed_at, decision_count, auto_decided, outcome,
  liable_kind, liable_id, resolved_at, rating, rated_at, created_at, updated_at)
select 'bulk_' || i, 'bulk_o_' || o, 'bulk_c_' || (o % 200000), 'bulk_m_' || (o % 2000), 'bulk_r_' || (o % 5000),
       type, channel, case when channel = 'PHONE' then 'agent_' || (r2 % 40) when channel = 'SYSTEM' then 'system:detector'
       else 'bulk_c_' || (o % 200000) end,
       case channel when 'PHONE' then 'SUPPORT' when 'SYSTEM' then 'SYSTEM' else 'CUSTOMER' end,
       'bulk case', '[]'::jsonb, 0, remedy, case when remedy in ('PARTIAL_REFUND', 'COUPON') then 500 end, 'CNY',
       1000 + (hashint4(o + 10000000) & 2147483647) % 9000, status, severity, 'classification', 1, 'auto-review', 1,
       assignee, case when assignee is not null then created_at + interval '5 minutes' end,
       case when decided then created_at + (r3 % 600) * interval '1 minute' end,
       case when decided then 1 else 0 end, auto, outcome,
       case when decided then liable end,
       case when decided then case liable when 'MERCHANT' then 'bulk_m_' || (o % 2000)
                                          when 'RIDER' then 'bulk_r_' || (o % 5000) end end,
       resolved_at, rating, case when rating is not null then resolved_at + interval '1 hour' end,
       created_at, coalesce(resolved_at, created_at)
  from (
    select *, status = 'RESOLVED' as resolved,
           status in ('RESOLVED', 'EXECUTING', 'AWAITING_CUSTOMER', 'MANUAL_FOLLOW_UP') as decided,
           case when status = 'RESOLVED' then created_at + (600 + r3 % 2400) * interval '1 minute' end as resolved_at,
           case when status = 'RESOLVED' then (array['FULL_REFUND','FULL_REFUND','FULL_REFUND','PARTIAL_REFUND',
             'PARTIAL_REFUND','COUPON','COUPON','REDELIVERY','REJECT','REJECT'])[1 + r4 % 10] end as outcome,
           case when status = 'RESOLVED' and r5 % 5 = 0 then 1 + r5 % 25 / 5 end as rating,
           case when status = 'RESOLVED' then r4 % 10 < 5 and r2 % 10 < 4 else false end as auto,
           case when status = 'RESOLVED' or r2 % 2 = 1 then 'agent_' || (r2 % 40) end as assignee,
           case when r5 % 10 = 0 then 'PLATFORM' when type in ('LATE', 'NOT_DELIVERED') then 'RIDER'
                else 'MERCHANT' end as liable
      from (
        select i, o, type, r2, r3, r4, r5, created_at,
               case when r5 % 100 < 70 then 'MINOR' else 'SEVERE' end as severity,
               case when r2 % 20 = 0 and type in ('LATE', 'NOT_DELIVERED') then 'SYSTEM'
                    when r2 % 20 < 3 then 'PHONE' else 'APP' end as channel,
               (array['FULL_REFUND','PARTIAL_REFUND','COUPON','REDELIVERY'])[1 + r3 % 4] as remedy,
               case
                 when created_at > now() - interval '3 days' then
                   case when r1 % 100 < 35 then 'IN_REVIEW' when r1 % 100 < 45 then 'AWAITING_EVIDENCE'
                        when r1 % 100 < 50 then 'AWAITING_CUSTOMER' when r1 % 100 < 55 then 'EXECUTING'
                        when r1 % 100 < 57 then 'MANUAL_FOLLOW_UP' else 'RESOLVED' end
                 when r1 % 1000 < 1 then 'MANUAL_FOLLOW_UP'
                 when r1 % 1000 < 2 then 'IN_REVIEW'
                 else 'RESOLVED' end as status
          from (
            select i, ((i - 1) % $2::int) + 1 as o, (${TYPES})[1 + (i - 1) % 7] as type,
                   ${h(1)} as r1, ${h(2)} as r2, ${h(3)} as r3, ${h(4)} as r4, ${h(5)} as r5,
                   now() - ((i - 1)::float8 / $1::int * 180) * interval '1 day' - (${h(6)} % 600) * interval '1 second'
                     as created_at
              from generate_series(1, $1::int) i) base) shaped) full_row`;

/** One decision per decided case; refunds settled within 2 h to 30 h of the decision. */
const DECISIONS_SQL = `
insert into case_decision (id, case_id, seq, kind, amount_minor, currency, liable_kind, liable_id, note, decided_by,
  decided_role, auto, rule_id, rule_version, status, created_at, executed_at)
select 'bulk_d_' || substr(c.id, 6), c.id, 1, k.kind,
       case k.kind when 'FULL_REFUND' then c.order_total_minor when 'PARTIAL_REFUND' then c.order_total_minor / 3
                   when 'COUPON' then 500 end,
       'CNY', c.liable_kind, c.liable_id, 'bulk', coalesce(c.assignee_id, 'system:auto-review'),
       case when c.auto_decided then 'SYSTEM' else 'SUPPORT' end, c.auto_decided,
       case when c.auto_decided then 'auto-review' end, case when c.auto_decided then 1 end,
       case c.status when 'RESOLVED' then 'DONE' when 'EXECUTING' then 'EXECUTING'
                     when 'AWAITING_CUSTOMER' then 'PROPOSED' else 'FAILED' end,
       c.first_reviewed_at,
       case when c.status = 'RESOLVED' then c.first_reviewed_at
            + (120 + (hashint4(substr(c.id, 6)::int + 70000000) & 2147483647) % 1680) * interval '1 minute' end
  from after_sales_case c
  cross join lateral (select case c.status when 'RESOLVED' then c.outcome when 'AWAITING_CUSTOMER' then 'COUPON'
                                           else 'FULL_REFUND' end as kind) k
 where c.id like 'bulk\\_%' and c.decision_count = 1`;

/** About 3 % of the decisions against a merchant or rider are appealed; most reviews uphold. */
const APPEALS_SQL = `
insert into case_appeal (id, case_id, decision_id, appellant_id, appellant_role, statement, evidence, status,
  new_liable_kind, reviewer_id, review_note, reviewed_at, created_at)
select 'bulk_a_' || substr(d.case_id, 6), d.case_id, d.id, d.liable_id, d.liable_kind, 'not our fault', '[]'::jsonb,
       s.status, case when s.status = 'OVERTURNED' then 'PLATFORM' end,
       case when s.status <> 'PENDING' then 'agent_7' end, case when s.status <> 'PENDING' then 'bulk' end,
       case when s.status <> 'PENDING' then d.executed_at + interval '1 day' end,
       d.executed_at + interval '2 hours'
  from case_decision d
  cross join lateral (select (hashint4(substr(d.id, 8)::int + 80000000) & 2147483647) as r) x
  cross join lateral (select case when x.r % 10 < 2 then 'OVERTURNED' when x.r % 10 < 3 then 'PENDING'
                                  else 'UPHELD' end as status) s
 where d.id like 'bulk\\_d\\_%' and d.status = 'DONE' and d.kind <> 'REJECT'
   and d.liable_kind in ('MERCHANT', 'RIDER') and substr(d.id, 8)::int % 33 = 0`;

export async function seedBulkCases(client: pg.Client, count: number): Promise<void> {
  const orders = Math.ceil(count / 4 / 7) * 7 + 2;
  // A superuser skips the foreign-key triggers for the load (the rows are consistent by construction);
  // on a server where that is not allowed, they run.
  await client.query(`set session_replication_role = replica`).catch(() => undefined);
  const step = async (label: string, sql: string, params: unknown[] = []): Promise<void> => {
    const started = performance.now();
    line(`  ${label}…`);
    const result = await client.query(sql, params);
    line(
      `  ${label}: ${result.rowCount ?? 0} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  };
  line(`seeding ${count.toLocaleString('en')} cases over 180 days (bulk INSERT … SELECT)`);
  await step('orders', ORDERS_SQL, [orders]);
  await step('cases', CASES_SQL, [count, orders]);
  await step('decisions', DECISIONS_SQL);
  await step('appeals', APPEALS_SQL);
  await client.query(`reset session_replication_role`).catch(() => undefined);
  await step('analyze', `analyze food_order, after_sales_case, case_decision, case_appeal`);
  // The load bypassed the triggers that mark the metrics' hours changed: compute every hour now.
  await step('metrics hours', `select case_metrics_rebuild()`);
}
