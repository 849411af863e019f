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

/** Orders, payments and ledger entries the floor's transactions use, topped up between rounds. */
export class Floor {
  private seeded = 0;
  private fastest = 0;
  private scriptFile = '';
  private tps: number[] = [];
  private cpu: CpuByRole = {};
  private transactions = 0;

  constructor(
    private readonly server: BenchServer,
    private readonly database: string,
    private readonly databaseUrl: string,
    /** With `--statements`: where the floor's own time goes. */
    private readonly statements?: StatementStats,
  ) {}

  /** One floor round (same clients and length as the TPC-B round), after its orders are ready. */
  async round(plan: RoundPlan, round: number, postgres: number | undefined): Promise<void> {
    await this.prepare(plan);
    line(
      `round ${round}/${plan.rounds}: floor (pgbench -f, minimal SQL of one auto-approved report), -c ${plan.clients} -j 2 -T ${plan.roundSeconds} -M prepared`,
    );
    const meter = cpuMeter({
      PostgreSQL: () => (postgres === undefined ? undefined : treeCpuMs(postgres)),
      pgbench: reapedChildrenCpuMs,
    });
    const snapshot = await this.statements?.snapshot();
    const output = await pgbench(
      this.server,
      this.database,
      [
        '-c',
        String(plan.clients),
        '-j',
        '2',
        '-T',
        String(plan.roundSeconds),
        '-P',
        '1',
        '-n',
        '-M',
        'prepared',
        '-f',
        this.scriptFile,
      ],
      plan.roundSeconds,
    );
    const used = meter();
    const tps = parseTps(output);
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(output)?.[1] ?? NaN);
    if (snapshot) await this.statements!.add(snapshot, transactions);
    const failed = Number(/number of failed transactions: (\d+)/.exec(output)?.[1] ?? 0);
    if (!(transactions > 0) || failed > 0) {
      throw new Error(`floor round ${round}: ${transactions} transactions, ${failed} failed:\n${output}`);
    }
    line(`  floor: ${tps.toFixed(0)} tps`);
    this.tps.push(tps);
    this.fastest = Math.max(this.fastest, tps);
    this.transactions += transactions;
    for (const [role, ms] of Object.entries(used)) this.cpu[role] = (this.cpu[role] ?? 0) + ms;
  }

  /** Mean TPS of the rounds, CPU by role and transactions over them. */
  result(): { tps: number; cpu: CpuByRole; transactions: number; rounds: readonly number[] } {
    const tps = this.tps.reduce((s, t) => s + t, 0) / Math.max(1, this.tps.length);
    return { tps, cpu: this.cpu, transactions: this.transactions, rounds: this.tps };
  }

  /**
   * First time: the sequence, the entries to post (the accounts of the report rounds' latest
   * refund-approved entries) and the script file; every time: unused orders for the fastest round so
   * far, half as much again, paid, delivered, each of its own customer (INSERT … SELECT).
   */
  private async prepare(plan: RoundPlan): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      if (!this.scriptFile) {
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
        const dir = mkdtempSync(path.join(tmpdir(), 'bench-floor-'));
        this.scriptFile = path.join(dir, 'report-floor.sql');
        writeFileSync(this.scriptFile, pgbenchSafe(SCRIPT));
      }
      const { rows } = await client.query<{ last: string | null }>(
        `select case when is_called then last_value end::text as last from bench_floor_seq`,
      );
      const used = Number(rows[0]!.last ?? 0);
      const guess = this.fastest > 0 ? this.fastest : 1_000;
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
