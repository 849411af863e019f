import { recordAudit, type Actor } from '../audit/index.js';
import type { CaseRiskFigures } from '../cases/index.js';
import type { RiskRuleSetting } from '../config/index.js';
import { Batcher, inTransaction, SAME_TURN_READS, sqlOn, sqlOnPool, type Orm } from '../db/index.js';
import type { Logger } from '../logging/index.js';
import { backtest, type BacktestInput, type BacktestResult } from './risk.backtest.js';
import {
  customerFiguresParams,
  raiseFiring,
  readCustomerFigures,
  toCustomerFigures,
} from './risk.evaluate.js';
import { customerFiguresCall, type CustomerFiguresRow } from './risk.figures.js';
import { RiskError } from './risk.errors.js';
import { activityIds } from './risk.flags.js';
import { FLAG_COLUMNS, toFlagView, type FlagRow } from './risk.flag-view.js';
import {
  routingOf,
  type RiskAssessment,
  type RiskFlagFilter,
  type RiskFlagRef,
  type RiskFlagView,
  type RiskTrigger,
} from './risk.model.js';
import { parseParamsOrThrow, ruleById, RuleStore, type ActiveRule } from './risk.rules-store.js';
import type { RefundRiskFigures, RefundRiskRequest as RequestKey } from '../refunds/index.js';

interface Assessed extends RefundRequestAssessment {
  readonly paymentIds: readonly string[];
  readonly orderIds: readonly string[];
}

const flagRef = ({ id, ruleId, ruleVersion, action, mode }: RiskFlagRef): RiskFlagRef => ({
  id,
  ruleId,
  ruleVersion,
  action,
  mode,
});

export interface RiskSettings {
  readonly rules: Readonly<Record<string, RiskRuleSetting>>;
  readonly currency: string;
  readonly rulesCacheMs: number;
}

export interface AssessInput {
  readonly customerId: string;
  readonly trigger: 'CASE' | 'REFUND';
  readonly subjectId?: string | undefined;
}

/** A refund request's assessment: its customer is found from the payment or order it refunds. */
export interface RefundRequestAssessment extends RiskAssessment {
  readonly customerId: string;
}

/**
 * Flagging of high-frequency refund users. `assessCustomer` evaluates a customer's
 * rules now, records the flags raised and answers how their new cases and refunds are routed.
 */
export class RiskService {
  readonly rules: RuleStore;

  constructor(
    private readonly orm: Orm,
    readonly settings: RiskSettings,
    private readonly logger?: Logger,
  ) {
    this.rules = new RuleStore(orm, settings.rules, settings.rulesCacheMs);
  }

  /**
   * A customer's assessment for a new case or refund. The customers asked about in one turn of the
   * event loop (the reports read together) are evaluated in one statement, each flag raised naming the
   * request that asked about its customer (the first, for a customer asked about twice).
   */
  assessCustomer(input: AssessInput): Promise<RiskAssessment> {
    return this.customers.submit(input);
  }

  private readonly customers = new Batcher<AssessInput, RiskAssessment>(
    (items) => this.assessGroup(items),
    SAME_TURN_READS,
  );

  /** One evaluation per trigger in the group (one, in practice): each customer's figures read once. */
  private async assessGroup(items: readonly AssessInput[]): Promise<RiskAssessment[]> {
    const assessed = new Map<string, Assessed>();
    for (const trigger of new Set(items.map((i) => i.trigger))) {
      const asking = new Map<string, string | null>();
      for (const i of items) {
        if (i.trigger === trigger && !asking.has(i.customerId)) asking.set(i.customerId, i.subjectId ?? null);
      }
      const rows = await this.evaluate({ customerIds: [...asking.keys()] }, trigger, (customerId) => {
        return asking.get(customerId) ?? null;
      });
      for (const row of rows) assessed.set(`${trigger}:${row.customerId}`, row);
    }
    return items.map((i) => {
      const row = assessed.get(`${i.trigger}:${i.customerId}`);
      return row ? { routing: row.routing, flags: row.flags } : { routing: 'NONE', flags: [] };
    });
  }

  /**
   * The assessments of new cases' customers as figures a caller reads inside its own statement
   * (`risk_customer_figures`: the case reports' one pre-read statement), as `refundRequestFigures` does
   * for the refund command. The rules stay here; `assess` raises the flags that fire on the customers
   * asked about (the reports the caller accepted; each flag naming its asker's subject, the first for a
   * customer asked twice), as `assessCustomer` does for the reports of one turn.
   */
  async caseCustomerFigures(customerIds: readonly string[]): Promise<CaseRiskFigures> {
    const rules = [...(await this.rules.current()).values()];
    const asOf = new Date();
    const currency = this.settings.currency;
    return {
      call: customerFiguresCall,
      params: customerFiguresParams({ customerIds, asOf, currency, evidence: false, rules }),
      assess: async (rows, asking) => {
        const subjects = new Map<string, string | null>();
        for (const a of asking) if (!subjects.has(a.customerId)) subjects.set(a.customerId, a.subjectId);
        const read = (rows as CustomerFiguresRow[]).filter((row) => subjects.has(row.customer_id));
        const at = { asOf, trigger: 'CASE' as const, triggerSubjectId: null };
        const assessed = await this.assessRows(
          read,
          rules,
          at,
          (customerId) => subjects.get(customerId) ?? null,
        );
        const byCustomer = new Map(assessed.map((row) => [row.customerId, row]));
        return asking.map((a) => {
          const row = byCustomer.get(a.customerId);
          return row ? { routing: row.routing, flags: row.flags } : { routing: 'NONE', flags: [] };
        });
      },
    };
  }

  /**
   * The assessment of a refund request's customer, found from the payment or order it refunds (null
   * when that is unknown). Requests that arrive together are evaluated in one statement.
   */
  assessRefundRequest(input: {
    paymentId?: string | null | undefined;
    orderId?: string | null | undefined;
  }): Promise<RefundRequestAssessment | null> {
    return this.requests.submit({ paymentId: input.paymentId ?? null, orderId: input.orderId ?? null });
  }

  private readonly requests = new Batcher<RequestKey, RefundRequestAssessment | null>(
    async (items) => {
      const assessed = await this.evaluate(refundRequestsQuery(items), 'REFUND', () => null);
      return assessedRequests(items, assessed);
    },
    { maxBatch: 64, inFlight: 4 },
  );

  /**
   * The assessments of a group of refund requests, as figures the refund command reads inside its own
   * pre-read statement (`risk_customer_figures`, one round trip for both): the rules stay here, and
   * the flags that fire are raised when the rows come back, as `assessRefundRequest` does.
   */
  async refundRequestFigures(items: readonly RequestKey[]): Promise<RefundRiskFigures> {
    const rules = [...(await this.rules.current()).values()];
    const asOf = new Date();
    const query = refundRequestsQuery(items);
    const currency = this.settings.currency;
    return {
      call: customerFiguresCall,
      params: customerFiguresParams({ ...query, asOf, currency, evidence: false, rules }),
      assess: async (rows) => {
        const at = { asOf, trigger: 'REFUND' as const, triggerSubjectId: null };
        const assessed = await this.assessRows(rows as CustomerFiguresRow[], rules, at);
        return assessedRequests(items, assessed);
      },
    };
  }

  /**
   * Evaluates customers' rules now: one statement counts (with their active flags); only where a rule
   * version fires that has no active flag on the customer yet, a second lists the evidence and the
   * flags are raised. A customer's routing comes from their active flags, new ones included.
   */
  private async evaluate(
    query: { customerIds: readonly string[]; paymentIds?: readonly string[]; orderIds?: readonly string[] },
    trigger: RiskTrigger,
    subjectOf: (customerId: string) => string | null,
  ): Promise<Assessed[]> {
    const rules = [...(await this.rules.current()).values()];
    const asOf = new Date();
    const at = { asOf, trigger, triggerSubjectId: null };
    const currency = this.settings.currency;
    const rows = await readCustomerFigures(sqlOnPool(this.orm), {
      ...query,
      asOf,
      currency,
      evidence: false,
      rules,
    });
    return this.assessRows(rows, rules, at, subjectOf);
  }

  /** Raises the flags that counted figures call for; each customer's routing from their active flags, new ones included. */
  private async assessRows(
    rows: readonly CustomerFiguresRow[],
    rules: readonly ActiveRule[],
    at: { asOf: Date; trigger: RiskTrigger; triggerSubjectId: string | null },
    subjectOf?: (customerId: string) => string | null,
  ): Promise<Assessed[]> {
    const currency = this.settings.currency;
    const raised = await raiseFiring(sqlOnPool(this.orm), rows, rules, at, currency, subjectOf);
    if (raised.length > 0) {
      this.logger?.info(
        { raised: raised.map((f) => [f.subjectId, f.ruleId]), trigger: at.trigger },
        'risk flags raised',
      );
    }
    return rows.map((row) => {
      const mine = raised.filter((f) => f.subjectKind === 'CUSTOMER' && f.subjectId === row.customer_id);
      const flags: RiskFlagRef[] = [...row.flags, ...mine.map(flagRef)];
      return {
        customerId: row.customer_id,
        paymentIds: row.payment_ids,
        orderIds: row.order_ids,
        routing: routingOf(flags),
        flags,
      };
    });
  }

  /** Replays a customer rule version (or proposed parameters) over a past period; writes nothing. */
  backtest(input: BacktestInput): Promise<BacktestResult> {
    return backtest(this.orm, this.rules, this.settings.currency, input);
  }

  async listFlags(
    filter: RiskFlagFilter,
    limit: number,
    after: { raisedAt: string; id: string } | null,
  ): Promise<RiskFlagView[]> {
    const rows = await sqlOnPool(this.orm).rows<FlagRow>(
      `select ${FLAG_COLUMNS} from risk_flag
        where ($1::text is null or rule_id = $1) and ($2::text is null or status = $2)
          and ($3::text is null or action = $3) and ($4::text is null or subject_kind = $4)
          and ($5::text is null or subject_id = $5)
          and ($6::timestamptz is null or raised_at < $6) and ($7::timestamptz is null or raised_at >= $7)
          and ($8::timestamptz is null or (raised_at, id) < ($8::timestamptz, $9::text))
        order by raised_at desc, id desc
        limit $10`,
      [
        filter.ruleId ?? null,
        filter.status ?? null,
        filter.action ?? null,
        filter.subjectKind ?? null,
        filter.subjectId ?? null,
        filter.raisedBefore ?? null,
        filter.raisedAfter ?? null,
        after?.raisedAt ?? null,
        after?.id ?? null,
        limit,
      ],
    );
    return rows.map(toFlagView);
  }

  async getFlag(id: string): Promise<RiskFlagView | null> {
    const [row] = await sqlOnPool(this.orm).rows<FlagRow>(
      `select ${FLAG_COLUMNS} from risk_flag where id = $1`,
      [id],
    );
    return row ? toFlagView(row) : null;
  }

  /**
   * What the flag's rule version sees of its customer now: clearing covers it too, so the activity
   * that was there when support looked (including requests the flag routed) does not flag again.
   */
  private async activityNow(flagId: string): Promise<string[]> {
    const flag = await this.getFlag(flagId);
    if (!flag || flag.status !== 'ACTIVE' || flag.subjectKind !== 'CUSTOMER') return [];
    const version = await this.rules.version(flag.ruleId, flag.ruleVersion);
    const rule = ruleById(flag.ruleId);
    if (!version || rule.kind !== 'CUSTOMER') return [];
    const [row] = await readCustomerFigures(sqlOnPool(this.orm), {
      customerIds: [flag.subjectId],
      asOf: new Date(),
      currency: this.settings.currency,
      evidence: true,
    });
    const hit = row && rule.evaluate(toCustomerFigures(row), parseParamsOrThrow(rule, version.params));
    return hit ? activityIds(hit.evidence) : [];
  }

  /** Clears an active flag with a reason (audited); the same rule version won't re-flag the same activity. */
  async clearFlag(id: string, reason: string, actor: Actor): Promise<RiskFlagView> {
    const why = reason.trim();
    if (why.length === 0 || why.length > 500) {
      throw new RiskError('RISK_REASON_REQUIRED', 'a reason (1–500 characters) is required to clear a flag');
    }
    const seen = await this.activityNow(id);
    return inTransaction(this.orm, async (em) => {
      const sql = sqlOn(em);
      const [row] = await sql.rows<FlagRow>(
        `update risk_flag set status = 'CLEARED', active_key = null, cleared_at = now(), cleared_by = $2,
                clear_reason = $3,
                activity_ids = array(select distinct unnest(activity_ids || $4::text[]) order by 1)
          where id = $1 and status = 'ACTIVE'
          returning ${FLAG_COLUMNS}`,
        [id, actor.id, why, seen],
      );
      if (!row) {
        const [existing] = await sql.rows<{ status: string }>(`select status from risk_flag where id = $1`, [
          id,
        ]);
        if (!existing) throw new RiskError('RISK_FLAG_NOT_FOUND', `no flag ${id}`);
        throw new RiskError('RISK_FLAG_NOT_ACTIVE', `flag ${id} is ${existing.status}`, {
          status: existing.status,
        });
      }
      await recordAudit(sql, {
        actor,
        action: 'risk.flag.cleared',
        subjectType: 'risk_flag',
        subjectId: id,
        before: { status: 'ACTIVE' },
        after: { status: 'CLEARED', reason: why },
      });
      return toFlagView(row);
    });
  }
}

/** Whose figures a group of refund requests needs: the payers of its payments, or of its orders when no payment is named. */
function refundRequestsQuery(items: readonly RequestKey[]) {
  return {
    customerIds: [],
    paymentIds: items.flatMap((i) => (i.paymentId ? [i.paymentId] : [])),
    orderIds: items.flatMap((i) => (i.paymentId || !i.orderId ? [] : [i.orderId])),
  };
}

/** Each request's customer's assessment, in the order asked (null when its payment or order is unknown). */
function assessedRequests(
  items: readonly RequestKey[],
  assessed: readonly Assessed[],
): (RefundRequestAssessment | null)[] {
  return items.map(
    (i) =>
      assessed.find((a) =>
        i.paymentId ? a.paymentIds.includes(i.paymentId) : a.orderIds.includes(i.orderId ?? ''),
      ) ?? null,
  );
}
