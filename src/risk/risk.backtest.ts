import { CLAIMING_CUSTOMERS_BETWEEN_SQL, LATER_CASE_OUTCOMES_SQL } from '../cases/index.js';
import { sqlOnPool, type Orm, type Sql } from '../db/index.js';
import { REFUND_CUSTOMERS_BETWEEN_SQL } from '../refunds/index.js';
import { readCustomerFigures, toCustomerFigures } from './risk.evaluate.js';
import { RiskError } from './risk.errors.js';
import { applyParamChanges, parseParamsOrThrow, ruleById, type RuleStore } from './risk.rules-store.js';
import type { RegisteredCustomerRule } from './rules/index.js';

const DAY_MS = 86_400_000;
/** The longest period a backtest replays (one evaluation per day). */
export const BACKTEST_MAX_DAYS = 92;
const CHUNK = 1_000;

export interface BacktestInput {
  readonly ruleId: string;
  /** The version to replay; its current one when absent. */
  readonly version?: number | undefined;
  /** A proposed parameter set: changes over that version's parameters (text, as in a rule change). */
  readonly params?: readonly { readonly name: string; readonly value: string }[] | undefined;
  readonly from: Date;
  readonly to: Date;
  /** How many flagged customers to show with their figures (at most 50). */
  readonly sample?: number | undefined;
}

export interface BacktestHit {
  readonly customerId: string;
  /** The first evaluation at which the rule would have flagged the customer. */
  readonly flaggedAt: Date;
  readonly figures: Readonly<Record<string, unknown>>;
  readonly thresholds: Readonly<Record<string, unknown>>;
  readonly laterRejected: boolean;
  readonly laterOverturned: boolean;
}

export interface BacktestResult {
  readonly ruleId: string;
  /** The version replayed; its parameters (with the proposed changes applied). */
  readonly version: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly proposed: boolean;
  readonly from: Date;
  readonly to: Date;
  /** Distinct customers evaluated (those with a refund or a claim on some day of the period). */
  readonly customersEvaluated: number;
  readonly flagged: number;
  /** Of those flagged: a case reported at or after the flag was rejected / overturned on appeal. */
  readonly laterRejected: number;
  readonly laterOverturned: number;
  readonly laterRejectedOrOverturned: number;
  /** Flagged customers in id order, at most `sample`. */
  readonly sample: readonly BacktestHit[];
}

interface Hit {
  readonly flaggedAt: Date;
  readonly figures: Readonly<Record<string, unknown>>;
  readonly thresholds: Readonly<Record<string, unknown>>;
}

/**
 * Replays a customer rule version (or a proposed parameter set) over a past period the way the online
 * evaluation would have met it: at the end of each day, every customer who requested a refund or
 * reported a case that day is evaluated with the figures as they stood then. Nothing is written. Then,
 * for every customer it would have flagged, whether a case they reported afterwards was rejected or
 * overturned — how often the rule points at claims that were indeed wrong.
 */
export async function backtest(orm: Orm, rules: RuleStore, currency: string, input: BacktestInput) {
  const rule = ruleById(input.ruleId);
  if (rule.kind !== 'CUSTOMER') {
    throw new RiskError(
      'RISK_INVALID_PARAMS',
      `${rule.id} is a merchant/rider rule: backtests replay customer rules`,
    );
  }
  const days = (input.to.getTime() - input.from.getTime()) / DAY_MS;
  if (!(days > 0) || days > BACKTEST_MAX_DAYS || input.to.getTime() > Date.now()) {
    throw new RiskError(
      'RISK_INVALID_PERIOD',
      `a backtest covers a past period of at most ${BACKTEST_MAX_DAYS} days, from before to`,
    );
  }
  const base =
    input.version === undefined
      ? (await rules.current()).get(rule.id)?.version
      : await rules.version(rule.id, input.version);
  if (!base)
    throw new RiskError('RISK_RULE_NOT_FOUND', `${rule.id} has no version ${input.version ?? ''}`.trim());
  const changes = input.params ?? [];
  const params = { ...base.params, ...applyParamChanges(base.params, changes) };
  const parsed = parseParamsOrThrow(rule, params);
  const sampleSize = Math.min(Math.max(input.sample ?? 10, 0), 50);

  const sql = sqlOnPool(orm);
  const evaluated = new Set<string>();
  const hits = new Map<string, Hit>();
  for (let start = input.from.getTime(); start < input.to.getTime(); start += DAY_MS) {
    const asOf = new Date(Math.min(start + DAY_MS, input.to.getTime()));
    const active = await activeCustomers(sql, new Date(start), asOf);
    const todo = active.filter((id) => !hits.has(id));
    for (const id of active) evaluated.add(id);
    for (let i = 0; i < todo.length; i += CHUNK) {
      const chunk = todo.slice(i, i + CHUNK);
      const rows = await readCustomerFigures(sql, { customerIds: chunk, asOf, currency, evidence: false });
      for (const row of rows) evaluateInto(hits, rule, parsed, toCustomerFigures(row), asOf);
    }
  }

  const flaggedIds = [...hits.keys()].sort();
  const outcomes = new Map<string, { rejected: boolean; overturned: boolean }>();
  for (let i = 0; i < flaggedIds.length; i += CHUNK) {
    const chunk = flaggedIds.slice(i, i + CHUNK);
    const rows = await sql.rows<{ customer_id: string; rejected: boolean; overturned: boolean }>(
      LATER_CASE_OUTCOMES_SQL,
      [chunk, chunk.map((id) => hits.get(id)!.flaggedAt)],
    );
    for (const r of rows) outcomes.set(r.customer_id, { rejected: r.rejected, overturned: r.overturned });
  }
  const outcome = (id: string) => outcomes.get(id) ?? { rejected: false, overturned: false };
  const count = (p: (o: { rejected: boolean; overturned: boolean }) => boolean) =>
    flaggedIds.filter((id) => p(outcome(id))).length;
  return {
    ruleId: rule.id,
    version: base.version,
    params,
    proposed: changes.length > 0,
    from: input.from,
    to: input.to,
    customersEvaluated: evaluated.size,
    flagged: flaggedIds.length,
    laterRejected: count((o) => o.rejected),
    laterOverturned: count((o) => o.overturned),
    laterRejectedOrOverturned: count((o) => o.rejected || o.overturned),
    sample: flaggedIds.slice(0, sampleSize).map((id) => {
      const hit = hits.get(id)!;
      return {
        customerId: id,
        ...hit,
        laterRejected: outcome(id).rejected,
        laterOverturned: outcome(id).overturned,
      };
    }),
  } satisfies BacktestResult;
}

async function activeCustomers(sql: Sql, from: Date, to: Date): Promise<string[]> {
  const [refunding, claiming] = await Promise.all([
    sql.prepared<{ customer_id: string }>(REFUND_CUSTOMERS_BETWEEN_SQL, [from, to]),
    sql.prepared<{ customer_id: string }>(CLAIMING_CUSTOMERS_BETWEEN_SQL, [from, to]),
  ]);
  return [...new Set([...refunding, ...claiming].map((r) => r.customer_id))];
}

/** A hit flags the customer (a cluster rule: every account of the cluster) the first time only. */
function evaluateInto(
  hits: Map<string, Hit>,
  rule: RegisteredCustomerRule,
  params: unknown,
  figures: ReturnType<typeof toCustomerFigures>,
  asOf: Date,
): void {
  const hit = rule.evaluate(figures, params);
  if (!hit) return;
  const members = rule.cluster ? (hit.evidence.customerIds ?? [figures.customerId]) : [figures.customerId];
  for (const id of members) {
    if (!hits.has(id)) hits.set(id, { flaggedAt: asOf, figures: hit.figures, thresholds: hit.thresholds });
  }
}
