/**
 * The floor of bench/cases.ts: the least SQL one auto-approved report must run, as a pgbench custom
 * script (`pgbench -f`, prepared statements, the same clients and length as the TPC-B rounds) on the
 * benchmark's own database, so every index, trigger and constraint of the real schema applies. One
 * transaction of the script is one report, and writes what the report path writes for it:
 *
 *   read   the order with its payment, the customer's cases of the last 30 days and active risk flags
 *          (one statement; the order comes from a sequence over orders seeded for the floor)
 *   BEGIN
 *   insert the case, decided (EXECUTING, auto-approved, first reviewed)   [its metrics trigger marks the hour]
 *   insert the decision (EXECUTING, with the refund's id already in it)  [its metrics trigger]
 *   update the payment: reserve the amount, count the refund (the conditional UPDATE of the reservation)
 *   insert the refund (PENDING) and its REQUEST event
 *   insert three audit records (case reported, case decided, refund requested), one statement
 *   queue the decision's follow-up job and the refund's submit job (`job_enqueue`, the jobs module's
 *          insert, twice in one statement)
 *   insert the customer's notification
 *   post the refund-approved journal entry with its postings (`ledger_post_entry`, the ledger's one
 *          insert; its triggers update the accounts' balances and check the entry balances at commit)
 *          on the accounts of a real refund-approved entry of the report rounds
 *   COMMIT
 *
 * It leaves out what is not a report's own work: HTTP, GraphQL, authentication, the rule book, the
 * risk module's full figures (only its active-flag probe), the refund command's idempotency hash and
 * separate group-commit transaction, the decision's later refund-id update (the id is known up front).
 *
 * The grouped floor (`--floor-groups=4,8`, the default): one transaction carries a group of N reports,
 * as a case-report batcher would commit them (the refund command's group commit does so for refunds),
 * with 16 / N clients, so that 16 reports are in flight as with the 16 HTTP clients. Two statements
 * per group, each its own transaction (no BEGIN / COMMIT round trips):
 *
 *   read   the group's N orders with their payments, each customer's cases of 30 days and active risk
 *          flags, as arrays (one statement)
 *   write  `bench_floor_report_group` (a PL/pgSQL function created in the bench database, as a
 *          `case_report_batch` would be written): per table one set-based statement for the group's
 *          cases, decisions, reservations (one UPDATE … FROM unnest), refunds and their events, and
 *          notifications (`on conflict (dedupe_key) do nothing`, as `notification_store_many`,
 *          without its delivery jobs: none are queued without a webhook); the owners' published set-based
 *          writers for the rest: `audit_record_many` (three records per report), `job_enqueue_many`
 *          (follow-ups with their delay, refund submits), `ledger_post_entries` (the group's
 *          refund-approved entries; the ledger locks every account of the group in id order first).
 *
 * Same rows, indexes, triggers and deferred checks per report as the one-report floor; only the number
 * of statements, round trips, transactions (commits, WAL flushes) and lock round trips per report falls.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { StatementStats } from './pg-stats.js';
import { cpuMeter, reapedChildrenCpuMs, treeCpuMs, type CpuByRole } from './cpu.js';
import type { RoundPlan } from './rounds.js';
import { line, parseTps, pgbench, type BenchServer } from './support.js';

/** Refund-approved entries copied from the report rounds: the floor posts to their accounts in turn. */
const ENTRY_SETS = 64;
const AMOUNT_MINOR = 1_000;

const SCRIPT = `
select s.n, o.customer_id as cust, o.merchant_id as merch, o.rider_id as rider, p.id as pay,
       p.channel as chan, p.amount_minor - p.reserved_minor as refundable,
       (select count(*) from after_sales_case c
         where c.customer_id = o.customer_id and c.created_at >= now() - interval '30 days'
           and c.channel <> 'SYSTEM') as claims,
       (select count(*) from risk_flag f
         where f.subject_id = o.customer_id and f.subject_kind = 'CUSTOMER' and f.status = 'ACTIVE') as flags
  from (select nextval('bench_floor_seq') as n) s
  join food_order o on o.id = 'fo_' || s.n
  join payment p on p.order_id = o.id
\\gset
begin;
insert into after_sales_case (id, order_id, customer_id, merchant_id, rider_id, type, channel, reporter_id,
    reporter_role, description, evidence, evidence_count, requested_remedy, requested_amount_minor, currency,
    order_total_minor, delivered_at, claim_delay_seconds, status, severity, classification_rule,
    classification_rule_version, review_rule, review_rule_version, review_figures, risk, first_reviewed_at,
    decision_count, auto_decided, liable_kind, liable_id)
  values ('fcs_' || :n::text, 'fo_' || :n::text, :cust, :merch, :rider, 'DAMAGED', 'APP', :cust, 'CUSTOMER',
          'benchmark claim', '["https://img.example.com/bench/spill.jpg"]', 1, 'PARTIAL_REFUND', ${AMOUNT_MINOR},
          'CNY', 3000, now(), 60, 'EXECUTING', 'MINOR', 'classification', 1, 'auto-review', 1,
          '{"type": "DAMAGED", "approve": true}', '{"routing": "NONE", "flags": []}', now(), 1, true,
          'MERCHANT', :merch);
insert into case_decision (id, case_id, seq, kind, amount_minor, currency, liable_kind, liable_id, note,
    decided_by, decided_role, auto, rule_id, rule_version, figures, status, refund_id)
  values ('fcd_' || :n::text, 'fcs_' || :n::text, 1, 'PARTIAL_REFUND', ${AMOUNT_MINOR}, 'CNY', 'MERCHANT', :merch,
          'approved automatically', 'system:auto-review', 'SYSTEM', true, 'auto-review', 1,
          '{"type": "DAMAGED", "approve": true}', 'EXECUTING', 'frf_' || :n::text);
update payment set reserved_minor = reserved_minor + ${AMOUNT_MINOR}, refund_count = refund_count + 1
 where id = :pay and reserved_minor + ${AMOUNT_MINOR} <= amount_minor;
insert into refund (id, payment_id, order_id, customer_id, merchant_id, channel, amount_minor, currency, reason,
    liable, case_id, status, idempotency_scope, idempotency_key, request_hash, requested_by, requested_role)
  values ('frf_' || :n::text, :pay, 'fo_' || :n::text, :cust, :merch, :chan, ${AMOUNT_MINOR}, 'CNY', 'approved automatically',
          '{"kind": "MERCHANT"}', 'fcs_' || :n::text, 'PENDING', 'SERVICE:system:cases', 'case:fcs_' || :n::text || ':1',
          'hash', 'system:cases', 'SERVICE');
insert into refund_event (refund_id, from_status, to_status, source, actor_id, actor_role)
  values ('frf_' || :n::text, null, 'PENDING', 'REQUEST', 'system:cases', 'SERVICE');
insert into audit_event (id, actor_id, actor_role, action, subject_type, subject_id, request_id, before, after)
  values ('fae1_' || :n::text, :cust, 'CUSTOMER', 'case.reported', 'case', 'fcs_' || :n::text, null, null,
          '{"status": "IN_REVIEW", "type": "DAMAGED"}'),
         ('fae2_' || :n::text, 'system:auto-review', 'SYSTEM', 'case.decided', 'case', 'fcs_' || :n::text, null,
          '{"status": "IN_REVIEW"}', '{"status": "EXECUTING", "kind": "PARTIAL_REFUND"}'),
         ('fae3_' || :n::text, 'system:cases', 'SERVICE', 'refund.requested', 'refund', 'frf_' || :n::text, null, null,
          '{"status": "PENDING"}');
select job_enqueue('cases.follow-decision', jsonb_build_object('decisionId', 'fcd_' || :n::text), 5),
       job_enqueue('refunds.submit.' || :chan::text, jsonb_build_object('refundId', 'frf_' || :n::text), 0);
insert into notification (id, recipient_kind, recipient_id, kind, title, body, data, dedupe_key, delivery_status)
  values ('fnt_' || :n::text, 'CUSTOMER', :cust, 'case.decided', 'Your case was decided',
          'A refund of 10.00 CNY is on its way to your original payment method.',
          jsonb_build_object('caseId', 'fcs_' || :n::text), 'case:fcs_' || :n::text || ':decision:1', 'SKIPPED');
select count(*) from bench_floor_entry e
 cross join lateral ledger_post_entry(e.kind, 'refund', 'frf_' || :n::text, 'floor', null, 'floor:' || :n::text, 'hash',
                                      e.accounts, e.directions, e.amounts, e.currencies)
 where e.k = :n::bigint % ${ENTRY_SETS};
commit;
`;

/**
 * pgbench takes every `:name` as a variable, inside string literals too: a colon before a letter or
 * digit in a literal is spelled `' || ':' || '` instead (text literals only).
 */
function pgbenchSafe(script: string): string {
  return script.replace(/'[^']*'/g, (literal) => literal.replace(/:(?=[A-Za-z0-9_])/g, "' || ':' || '"));
}

/** The grouped floor's read: `:group` orders from the sequence, their payments and claim figures, as arrays. */
const GROUP_SCRIPT = `
with s as materialized (select nextval('bench_floor_seq') as n from generate_series(1, :group::int))
select array_agg(s.n order by s.n) as ns, array_agg(o.customer_id order by s.n) as custs,
       array_agg(o.merchant_id order by s.n) as merchs, array_agg(o.rider_id order by s.n) as riders,
       array_agg(p.id order by s.n) as pays, array_agg(p.channel order by s.n) as chans,
       array_agg(p.amount_minor - p.reserved_minor order by s.n) as refundable,
       array_agg((select count(*) from after_sales_case c
                   where c.customer_id = o.customer_id and c.created_at >= now() - interval '30 days'
                     and c.channel <> 'SYSTEM') order by s.n) as claims,
       array_agg((select count(*) from risk_flag f
                   where f.subject_id = o.customer_id and f.subject_kind = 'CUSTOMER' and f.status = 'ACTIVE')
                 order by s.n) as flags
  from s
  join food_order o on o.id = 'fo_' || s.n
  join payment p on p.order_id = o.id
\\gset
select bench_floor_report_group(:group::int, :ns::bigint[], :custs::varchar[], :merchs::varchar[],
                                :riders::varchar[], :pays::varchar[], :chans::varchar[]);
`;

/**
 * The grouped floor's writes: what `SCRIPT` writes for one report, for a group, one set-based statement
 * per table (the owners' published set-based writers where they exist). Created in the bench database.
 */
const GROUP_FUNCTION = `
create or replace function bench_floor_report_group(p_group integer, p_n bigint[], p_cust varchar[],
    p_merch varchar[], p_rider varchar[], p_pay varchar[], p_chan varchar[])
  returns integer
  language plpgsql
  set plan_cache_mode = force_generic_plan
as $$
declare
  v_count int := cardinality(p_n);
  v_done int;
begin
  if v_count is distinct from p_group then
    raise exception 'floor group: % orders found of %: seed more', coalesce(v_count, 0), p_group;
  end if;
  insert into after_sales_case (id, order_id, customer_id, merchant_id, rider_id, type, channel, reporter_id,
      reporter_role, description, evidence, evidence_count, requested_remedy, requested_amount_minor, currency,
      order_total_minor, delivered_at, claim_delay_seconds, status, severity, classification_rule,
      classification_rule_version, review_rule, review_rule_version, review_figures, risk, first_reviewed_at,
      decision_count, auto_decided, liable_kind, liable_id)
  select 'fcs_' || g.n, 'fo_' || g.n, g.cust, g.merch, g.rider, 'DAMAGED', 'APP', g.cust, 'CUSTOMER',
         'benchmark claim', '["https://img.example.com/bench/spill.jpg"]', 1, 'PARTIAL_REFUND', ${AMOUNT_MINOR},
         'CNY', 3000, now(), 60, 'EXECUTING', 'MINOR', 'classification', 1, 'auto-review', 1,
         '{"type": "DAMAGED", "approve": true}', '{"routing": "NONE", "flags": []}', now(), 1, true,
         'MERCHANT', g.merch
    from unnest(p_n, p_cust, p_merch, p_rider) with ordinality as g(n, cust, merch, rider, ord)
   order by g.ord;
  insert into case_decision (id, case_id, seq, kind, amount_minor, currency, liable_kind, liable_id, note,
      decided_by, decided_role, auto, rule_id, rule_version, figures, status, refund_id)
  select 'fcd_' || g.n, 'fcs_' || g.n, 1, 'PARTIAL_REFUND', ${AMOUNT_MINOR}, 'CNY', 'MERCHANT', g.merch,
         'approved automatically', 'system:auto-review', 'SYSTEM', true, 'auto-review', 1,
         '{"type": "DAMAGED", "approve": true}', 'EXECUTING', 'frf_' || g.n
    from unnest(p_n, p_merch) with ordinality as g(n, merch, ord)
   order by g.ord;
  update payment p set reserved_minor = p.reserved_minor + ${AMOUNT_MINOR}, refund_count = p.refund_count + 1
    from unnest(p_pay) as g(pay)
   where p.id = g.pay and p.reserved_minor + ${AMOUNT_MINOR} <= p.amount_minor;
  get diagnostics v_done = row_count;
  if v_done <> v_count then
    raise exception 'floor group: % of % reservations', v_done, v_count;
  end if;
  insert into refund (id, payment_id, order_id, customer_id, merchant_id, channel, amount_minor, currency, reason,
      liable, case_id, status, idempotency_scope, idempotency_key, request_hash, requested_by, requested_role)
  select 'frf_' || g.n, g.pay, 'fo_' || g.n, g.cust, g.merch, g.chan, ${AMOUNT_MINOR}, 'CNY', 'approved automatically',
         '{"kind": "MERCHANT"}', 'fcs_' || g.n, 'PENDING', 'SERVICE:system:cases', 'case:fcs_' || g.n || ':1',
         'hash', 'system:cases', 'SERVICE'
    from unnest(p_n, p_pay, p_cust, p_merch, p_chan) with ordinality as g(n, pay, cust, merch, chan, ord)
   order by g.ord;
  insert into refund_event (refund_id, from_status, to_status, source, actor_id, actor_role)
  select 'frf_' || g.n, null, 'PENDING', 'REQUEST', 'system:cases', 'SERVICE'
    from unnest(p_n) with ordinality as g(n, ord)
   order by g.ord;
  perform audit_record_many(array_agg(a.id order by g.ord, a.k), array_agg(a.actor_id order by g.ord, a.k),
                            array_agg(a.actor_role order by g.ord, a.k), array_agg(a.action order by g.ord, a.k),
                            array_agg(a.subject_type order by g.ord, a.k), array_agg(a.subject_id order by g.ord, a.k),
                            array_agg(null::varchar order by g.ord, a.k), array_agg(a.before order by g.ord, a.k),
                            array_agg(a.after order by g.ord, a.k))
     from unnest(p_n, p_cust) with ordinality as g(n, cust, ord)
    cross join lateral (values
      (1, 'fae1_' || g.n, g.cust, 'CUSTOMER'::varchar, 'case.reported'::varchar, 'case'::varchar, 'fcs_' || g.n,
       null::jsonb, '{"status": "IN_REVIEW", "type": "DAMAGED"}'::jsonb),
      (2, 'fae2_' || g.n, 'system:auto-review', 'SYSTEM', 'case.decided', 'case', 'fcs_' || g.n,
       '{"status": "IN_REVIEW"}', '{"status": "EXECUTING", "kind": "PARTIAL_REFUND"}'),
      (3, 'fae3_' || g.n, 'system:cases', 'SERVICE', 'refund.requested', 'refund', 'frf_' || g.n,
       null, '{"status": "PENDING"}')) as a(k, id, actor_id, actor_role, action, subject_type, subject_id, before, after);
  perform job_enqueue_many(array_agg('cases.follow-decision'::text order by g.ord),
                           array_agg(jsonb_build_object('decisionId', 'fcd_' || g.n) order by g.ord), 5)
     from unnest(p_n) with ordinality as g(n, ord);
  perform job_enqueue_many(array_agg('refunds.submit.' || g.chan order by g.ord),
                           array_agg(jsonb_build_object('refundId', 'frf_' || g.n) order by g.ord), 0)
     from unnest(p_n, p_chan) with ordinality as g(n, chan, ord);
  insert into notification (id, recipient_kind, recipient_id, kind, title, body, data, dedupe_key, delivery_status)
  select 'fnt_' || g.n, 'CUSTOMER', g.cust, 'case.decided', 'Your case was decided',
         'A refund of 10.00 CNY is on its way to your original payment method.',
         jsonb_build_object('caseId', 'fcs_' || g.n), 'case:fcs_' || g.n || ':decision:1', 'SKIPPED'
    from unnest(p_n, p_cust) with ordinality as g(n, cust, ord)
   order by g.ord
  on conflict (dedupe_key) do nothing;
  with e as (
    select g.ord::int as entry, g.n, f.kind, f.accounts, f.directions, f.amounts, f.currencies
      from unnest(p_n) with ordinality as g(n, ord)
      join bench_floor_entry f on f.k = g.n % ${ENTRY_SETS}
  ), entries as (
    select array_agg(e.kind order by e.entry) as kinds, array_agg('refund'::varchar order by e.entry) as types,
           array_agg(('frf_' || e.n)::varchar order by e.entry) as refs, array_agg('floor'::varchar order by e.entry) as memos,
           array_agg(null::bigint order by e.entry) as reverses,
           array_agg(('floor:' || e.n)::varchar order by e.entry) as keys, array_agg('hash'::varchar order by e.entry) as hashes
      from e
  ), legs as (
    select array_agg(e.entry order by e.entry, l.m) as entries, array_agg(l.account_id order by e.entry, l.m) as accounts,
           array_agg(l.direction order by e.entry, l.m) as directions, array_agg(l.amount order by e.entry, l.m) as amounts,
           array_agg(l.currency order by e.entry, l.m) as currencies
      from e
     cross join lateral unnest(e.accounts, e.directions, e.amounts, e.currencies) with ordinality
             as l(account_id, direction, amount, currency, m)
  )
  select count(*) into v_done
    from entries, legs,
         lateral ledger_post_entries(entries.kinds, entries.types, entries.refs, entries.memos, entries.reverses,
                                     entries.keys, entries.hashes, legs.entries, legs.accounts, legs.directions,
                                     legs.amounts, legs.currencies);
  if v_done <> v_count then
    raise exception 'floor group: % of % ledger entries', v_done, v_count;
  end if;
  return v_count;
end
$$`;

/** One floor variant's figures over the rounds: a pgbench transaction carries `group` reports. */
export interface FloorResult {
  readonly group: number;
  readonly clients: number;
  /** Mean transactions per second of the rounds. */
  readonly tps: number;
  readonly cpu: CpuByRole;
  readonly transactions: number;
  /** Reports written: transactions × group. */
  readonly reports: number;
  readonly rounds: readonly number[];
}

interface Variant {
  readonly group: number;
  clients: number;
  script: string;
  tps: number[];
  /** Reports per second of its fastest round so far. */
  fastest: number;
  cpu: CpuByRole;
  transactions: number;
}

/** Orders, payments and ledger entries the floor's transactions use, topped up between rounds. */
export class Floor {
  private seeded = 0;
  private dir = '';
  private readonly variants: Variant[];

  constructor(
    private readonly server: BenchServer,
    private readonly database: string,
    private readonly databaseUrl: string,
    /** With `--statements`: where the one-report floor's own time goes. */
    private readonly statements?: StatementStats,
    /** Reports per transaction of the grouped floors (16 / group clients each). */
    groups: readonly number[] = [],
  ) {
    this.variants = [1, ...groups].map((group) => ({
      group,
      clients: 0, // set per plan in round()
      script: '',
      tps: [],
      fastest: 0,
      cpu: {},
      transactions: 0,
    }));
  }

  /** One round of each floor (the same length as the TPC-B round), each after its orders are ready. */
  async round(plan: RoundPlan, round: number, postgres: number | undefined): Promise<void> {
    for (const variant of this.variants) {
      await this.prepare(plan, variant);
      await this.variantRound(plan, round, postgres, variant);
    }
  }

  private async variantRound(
    plan: RoundPlan,
    round: number,
    postgres: number | undefined,
    variant: Variant,
  ): Promise<void> {
    // 16 reports in flight, as with the HTTP clients: one report per transaction on each of 16 clients,
    // or a group of N on each of 16 / N.
    const clients = Math.max(1, Math.round(plan.clients / variant.group));
    variant.clients = clients;
    const what =
      variant.group === 1
        ? 'minimal SQL of one auto-approved report'
        : `${variant.group} reports per transaction, grouped writes`;
    line(
      `round ${round}/${plan.rounds}: floor (pgbench -f, ${what}), -c ${clients} -j ${Math.min(2, clients)} -T ${plan.roundSeconds} -M prepared`,
    );
    const meter = cpuMeter({
      PostgreSQL: () => (postgres === undefined ? undefined : treeCpuMs(postgres)),
      pgbench: reapedChildrenCpuMs,
    });
    const statements = variant.group === 1 ? this.statements : undefined;
    const snapshot = await statements?.snapshot();
    const output = await pgbench(
      this.server,
      this.database,
      [
        '-c',
        String(clients),
        '-j',
        String(Math.min(2, clients)),
        '-T',
        String(plan.roundSeconds),
        '-P',
        '1',
        '-n',
        '-M',
        'prepared',
        ...(variant.group === 1 ? [] : ['-D', `group=${variant.group}`]),
        '-f',
        variant.script,
      ],
      plan.roundSeconds,
    );
    const used = meter();
    const tps = parseTps(output);
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(output)?.[1] ?? NaN);
    if (snapshot) await statements!.add(snapshot, transactions);
    const failed = Number(/number of failed transactions: (\d+)/.exec(output)?.[1] ?? 0);
    if (!(transactions > 0) || failed > 0) {
      throw new Error(`floor round ${round}: ${transactions} transactions, ${failed} failed:\n${output}`);
    }
    line(
      variant.group === 1
        ? `  floor: ${tps.toFixed(0)} tps`
        : `  floor, groups of ${variant.group}: ${tps.toFixed(0)} tps = ${(tps * variant.group).toFixed(0)} reports/s`,
    );
    variant.tps.push(tps);
    variant.fastest = Math.max(variant.fastest, tps * variant.group);
    variant.transactions += transactions;
    for (const [role, ms] of Object.entries(used)) variant.cpu[role] = (variant.cpu[role] ?? 0) + ms;
  }

  /** The one-report floor's figures: mean TPS of the rounds, CPU by role and transactions over them. */
  result(): FloorResult {
    return this.results()[0]!;
  }

  /**
   * What the floors wrote, counted in SQL: every report's case, decision, refund, three audit records,
   * notification and journal entry, against the reports the rounds counted (the one-report floor's
   * transactions and the grouped floors' transactions × their group).
   */
  async verify(): Promise<string> {
    const expected = this.results().reduce((sum, r) => sum + r.reports, 0);
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<Record<string, number>>(`
        select (select count(*) from after_sales_case where id like 'fcs\\_%')::int as cases,
               (select count(*) from case_decision where id like 'fcd\\_%')::int as decisions,
               (select count(*) from refund where id like 'frf\\_%')::int as refunds,
               (select count(*) from audit_event where id like 'fae_\\_%')::int / 3 as audit_triples,
               (select count(*) from notification where id like 'fnt\\_%')::int as notifications,
               (select count(*) from journal_entry where idempotency_key like 'floor:%')::int as entries`);
      const counts = rows[0]!;
      const ok = Object.values(counts).every((n) => n >= expected);
      const listed = Object.entries(counts)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ');
      // At least: a round's last transactions may commit after pgbench stopped counting them.
      return `${ok ? 'OK' : 'MISMATCH'}: ${expected} reports counted; in SQL ${listed}`;
    } finally {
      await client.end();
    }
  }

  /** Every variant's figures, the one-report floor first. */
  results(): FloorResult[] {
    return this.variants.map((v) => ({
      group: v.group,
      clients: v.clients,
      tps: v.tps.reduce((s, t) => s + t, 0) / Math.max(1, v.tps.length),
      cpu: v.cpu,
      transactions: v.transactions,
      reports: v.transactions * v.group,
      rounds: v.tps,
    }));
  }

  /**
   * First time: the sequence, the entries to post (the accounts of the report rounds' latest
   * refund-approved entries), the grouped writes' function and the script files; before every round:
   * unused orders for the variant's fastest round so far, half as much again, paid, delivered, each of
   * its own customer (INSERT … SELECT).
   */
  private async prepare(plan: RoundPlan, variant: Variant): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      if (!this.dir) {
        await client.query('create sequence if not exists bench_floor_seq');
        await client.query(`
          create table if not exists bench_floor_entry as
          select (row_number() over (order by e.id) - 1) % ${ENTRY_SETS} as k, e.kind,
                 array_agg(p.account_id order by p.id) as accounts, array_agg(p.direction order by p.id) as directions,
                 array_agg(p.amount_minor order by p.id) as amounts, array_agg(p.currency order by p.id) as currencies
            from (select id, kind from journal_entry where kind = 'REFUND_APPROVED' order by id desc limit ${ENTRY_SETS}) e
            join posting p on p.entry_id = e.id
           group by e.id, e.kind`);
        const { rows } = await client.query<{ n: number }>(
          'select count(*)::int as n from bench_floor_entry',
        );
        if (rows[0]!.n < ENTRY_SETS)
          throw new Error(`floor: only ${rows[0]!.n} refund-approved entries to copy`);
        await client.query(GROUP_FUNCTION);
        this.dir = mkdtempSync(path.join(tmpdir(), 'bench-floor-'));
        for (const variant of this.variants) {
          const file = path.join(this.dir, `report-floor-${variant.group}.sql`);
          writeFileSync(file, pgbenchSafe(variant.group === 1 ? SCRIPT : GROUP_SCRIPT));
          variant.script = file;
        }
      }
      const { rows } = await client.query<{ last: string | null }>(
        `select case when is_called then last_value end::text as last from bench_floor_seq`,
      );
      const used = Number(rows[0]!.last ?? 0);
      // Before a variant's first round: three times the fastest of any so far (groups go faster).
      const guess =
        variant.fastest > 0 ? variant.fastest : 3 * Math.max(1_000, ...this.variants.map((v) => v.fastest));
      const needed = Math.ceil(guess * plan.roundSeconds * 1.5) + plan.clients;
      const missing = needed - (this.seeded - used);
      if (missing <= 0) return;
      const from = this.seeded + 1;
      const to = this.seeded + missing;
      await client.query('begin');
      await client.query(
        `insert into food_order (id, customer_id, merchant_id, rider_id, total_minor, currency, delivery_status,
                                 status_changed_at, delivered_at, payment_channel, out_trade_no)
         select 'fo_' || i, 'fc_' || i, 'bm_' || (i % 50), 'br_' || (i % 40), 3000, 'CNY', 'DELIVERED', now(), now(),
                case when i % 2 = 0 then 'WECHAT_PAY' else 'ALIPAY' end, 'F' || i
           from generate_series($1::int, $2::int) i`,
        [from, to],
      );
      await client.query(
        `insert into payment (id, order_id, customer_id, merchant_id, channel, out_trade_no, provider_transaction_id,
                              amount_minor, currency, source, captured_at)
         select 'fp_' || i, 'fo_' || i, 'fc_' || i, 'bm_' || (i % 50),
                case when i % 2 = 0 then 'WECHAT_PAY' else 'ALIPAY' end, 'F' || i, 'FT' || i, 3000, 'CNY', 'SERVICE', now()
           from generate_series($1::int, $2::int) i`,
        [from, to],
      );
      await client.query('commit');
      this.seeded = to;
      line(`  floor: ${missing} orders with payments seeded (INSERT … SELECT)`);
    } finally {
      await client.end();
    }
  }
}
