import type { Sql } from '../db/index.js';
import { draftsOf, raiseFlags, type FlagDraft, type RaisedFlag } from './risk.flags.js';
import { CUSTOMER_FIGURES_SQL, toCustomerFigures, type CustomerFiguresRow } from './risk.figures.js';
import type { CustomerFigures, FigurePart, RiskTrigger } from './risk.model.js';
import type { ActiveRule } from './risk.rules-store.js';

export interface FiguresQuery {
  readonly customerIds: readonly string[];
  readonly asOf: Date;
  readonly currency: string;
  /** Also evaluate whoever paid these payments or placed these orders (refund requests' customers). */
  readonly paymentIds?: readonly string[] | undefined;
  readonly orderIds?: readonly string[] | undefined;
  /** List the contributing rows (a flag's evidence), not only count them. */
  readonly evidence: boolean;
  /**
   * The rules to be evaluated on these figures: a part is read only for a customer who does not already
   * hold an active flag of every rule version needing it. Without: every part, for everyone.
   */
  readonly rules?: readonly ActiveRule[] | undefined;
}

/** In the order of `risk_customer_figures`' last six parameters. */
const PARTS: readonly FigurePart[] = ['refunds', 'refundedOrders', 'orders', 'spend', 'claims', 'payer'];

/** Per part, the rule versions (`rule:version`) that need it; '*' (held by nobody) forces a part. */
function partNeeds(rules: readonly ActiveRule[] | undefined): string[][] {
  return PARTS.map((part) =>
    rules === undefined
      ? ['*']
      : rules.flatMap((a) =>
          a.rule.kind === 'CUSTOMER' && a.version.mode !== 'OFF' && a.rule.needs.includes(part)
            ? [`${a.version.ruleId}:${a.version.version}`]
            : [],
        ),
  );
}

/** One round trip: the figures of every customer asked for, with their active flags. */
export async function readCustomerFigures(sql: Sql, query: FiguresQuery): Promise<CustomerFiguresRow[]> {
  return sql.prepared<CustomerFiguresRow>(CUSTOMER_FIGURES_SQL, customerFiguresParams(query));
}

/** `risk_customer_figures`' twelve arguments for a query (`customerFiguresCall`). */
export function customerFiguresParams(query: FiguresQuery): unknown[] {
  return [
    query.customerIds,
    query.asOf,
    query.currency,
    query.paymentIds ?? [],
    query.orderIds ?? [],
    query.evidence,
    ...partNeeds(query.rules),
  ];
}

/** The customer rules (not OFF) that fire on these figures, as flag drafts (a cluster: one per account). */
export function customerDrafts(
  figures: CustomerFigures,
  rules: readonly ActiveRule[],
  at: { asOf: Date; trigger: RiskTrigger; triggerSubjectId: string | null },
): FlagDraft[] {
  const drafts: FlagDraft[] = [];
  for (const active of rules) {
    if (active.rule.kind !== 'CUSTOMER' || active.version.mode === 'OFF') continue;
    const hit = active.rule.evaluate(figures, active.params);
    if (hit) drafts.push(...draftsOf(active, hit, { kind: 'CUSTOMER', id: figures.customerId }, at));
  }
  return drafts;
}

type At = { asOf: Date; trigger: RiskTrigger; triggerSubjectId: string | null };

/** Drafts of the rules that fire, less those whose rule version already has an active flag on the customer. */
function newDrafts(row: CustomerFiguresRow, rules: readonly ActiveRule[], at: At): FlagDraft[] {
  const held = new Set(row.flags.map((f) => `${f.ruleId}:${f.ruleVersion}`));
  return customerDrafts(toCustomerFigures(row), rules, at).filter(
    (d) =>
      d.subjectId !== row.customer_id || !held.has(`${d.active.version.ruleId}:${d.active.version.version}`),
  );
}

/**
 * Raises the flags that counted figures call for: only customers with a rule version firing that has
 * no active flag on them yet are read again with their evidence (usually none, so no second statement).
 * With `subjectOf`, a group's flags each name the request that asked about their customer.
 */
export async function raiseFiring(
  sql: Sql,
  counted: readonly CustomerFiguresRow[],
  rules: readonly ActiveRule[],
  at: At,
  currency: string,
  subjectOf?: (customerId: string) => string | null,
): Promise<RaisedFlag[]> {
  const atOf = (row: CustomerFiguresRow): At =>
    subjectOf ? { ...at, triggerSubjectId: subjectOf(row.customer_id) } : at;
  const firing = counted
    .filter((row) => newDrafts(row, rules, atOf(row)).length > 0)
    .map((row) => row.customer_id);
  if (firing.length === 0) return [];
  const detailed = await readCustomerFigures(sql, {
    customerIds: firing,
    asOf: at.asOf,
    currency,
    evidence: true,
    rules,
  });
  return raiseFlags(
    sql,
    detailed.flatMap((row) => newDrafts(row, rules, atOf(row))),
  );
}

export { toCustomerFigures };
