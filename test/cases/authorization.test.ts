import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { newPaidOrder, SUPPORT, type PaidOrder } from '../support/builders.js';
import { codeOf, customer, decideCase, reportCase, waitForCase } from './cases.fixtures.js';

/**
 * Every case operation × every kind of caller (the back office, finance included, reads cases), over HTTP, against one resolved case whose merchant was
 * held liable and has appealed. Each call is classified by what the caller learns:
 * - `denied`: UNAUTHENTICATED or FORBIDDEN (the role may not call it at all);
 * - `hidden`: the role may call it, but this case (or order) reads as missing: null or *_NOT_FOUND,
 *   exactly what a case that does not exist gives;
 * - `ok`: the call got past authorization and ownership (it may still be refused for the case's state,
 *   e.g. deciding a resolved case: that is a business answer about a case the caller may see).
 * The expected table is written out by hand from the rules; the observed one must equal it.
 */
type Outcome = 'denied' | 'hidden' | 'ok';
type Caller = { role: string; sub: string } | undefined;

const CALLERS = [
  'anonymous',
  'owner',
  'otherCustomer',
  'liableMerchant',
  'otherMerchant',
  'orderRider',
  'support',
  'finance',
  'admin',
  'service',
] as const;
type CallerName = (typeof CALLERS)[number];

interface Operation {
  readonly query: string;
  readonly variables: (f: Fixture) => Record<string, unknown>;
  /** The field whose null means "not yours" (nullable results), when there is one. */
  readonly nullMeansHidden?: (data: Record<string, unknown>) => boolean;
}

interface Fixture {
  readonly paid: PaidOrder;
  readonly caseId: string;
  readonly appealId: string;
}

const HIDDEN_CODES = new Set(['CASE_NOT_FOUND', 'ORDER_NOT_FOUND', 'NOT_FOUND', 'APPEAL_NOT_FOUND']);

const caseField =
  (pick: (c: Record<string, unknown>) => unknown) =>
  (data: Record<string, unknown>): boolean => {
    const c = data['case'] as Record<string, unknown> | null;
    return c === null || pick(c) === null;
  };

const OPERATIONS: Record<string, Operation> = {
  case: {
    query: `query($id: ID!) { case(id: $id) { id } }`,
    variables: (f) => ({ id: f.caseId }),
    nullMeansHidden: caseField((c) => c['id']),
  },
  'case.audit': {
    query: `query($id: ID!) { case(id: $id) { audit { action } } }`,
    variables: (f) => ({ id: f.caseId }),
    nullMeansHidden: caseField((c) => c['audit']),
  },
  'case.similarCases': {
    query: `query($id: ID!) { case(id: $id) { similarCases { customer { id } } } }`,
    variables: (f) => ({ id: f.caseId }),
    nullMeansHidden: caseField((c) => c['similarCases']),
  },
  myCases: { query: `{ myCases(first: 5) { edges { node { id } } } }`, variables: () => ({}) },
  reportCase: {
    query: `mutation($o: ID!) { reportCase(input: { orderId: $o, type: LATE, description: "late again", remedy: FULL_REFUND }) { id } }`,
    variables: (f) => ({ o: f.paid.orderId }),
  },
  openCaseOnBehalf: {
    query: `mutation($o: ID!, $c: String!) { openCaseOnBehalf(input: { orderId: $o, customerId: $c, type: LATE, description: "called the hotline", remedy: FULL_REFUND }) { id } }`,
    variables: (f) => ({ o: f.paid.orderId, c: f.paid.customerId }),
  },
  decideCase: {
    query: `mutation($id: ID!) { decideCase(input: { caseId: $id, kind: REJECT, liableParty: PLATFORM, note: "n" }) { case { id } } }`,
    variables: (f) => ({ id: f.caseId }),
  },
  respondToCaseProposal: {
    query: `mutation($id: ID!) { respondToCaseProposal(caseId: $id, accept: true) { case { id } } }`,
    variables: (f) => ({ id: f.caseId }),
  },
  redeliveries: { query: `{ redeliveries(first: 5) { id } }`, variables: () => ({}) },
  redeemCaseCoupon: {
    // An unknown code: the order system is answered COUPON_NOT_FOUND, everyone else is refused first.
    query: `mutation { redeemCaseCoupon(code: "CP_MATRIX_NONE", orderId: "o_matrix_next") { code } }`,
    variables: () => ({}),
  },
  caseQueue: { query: `{ caseQueue(first: 5) { edges { node { id } } } }`, variables: () => ({}) },
  caseQueueCounts: { query: `{ caseQueueCounts { status count } }`, variables: () => ({}) },
  assignCase: {
    query: `mutation($id: ID!) { assignCase(caseId: $id, assigneeId: "agent_9") { id } }`,
    variables: (f) => ({ id: f.caseId }),
  },
  takeCase: {
    query: `mutation($id: ID!) { takeCase(caseId: $id) { id } }`,
    variables: (f) => ({ id: f.caseId }),
  },
  requestCaseEvidence: {
    query: `mutation($id: ID!) { requestCaseEvidence(caseId: $id, note: "a photo please") { id } }`,
    variables: (f) => ({ id: f.caseId }),
  },
  supplyCaseEvidence: {
    query: `mutation($id: ID!) { supplyCaseEvidence(caseId: $id, evidence: ["https://img.example.com/a.jpg"]) { id } }`,
    variables: (f) => ({ id: f.caseId }),
  },
  rateCase: {
    query: `mutation($id: ID!) { rateCase(caseId: $id, rating: 4) { id } }`,
    variables: (f) => ({ id: f.caseId }),
  },
  liableCases: { query: `{ liableCases(first: 5) { edges { node { id } } } }`, variables: () => ({}) },
  appealCase: {
    query: `mutation($id: ID!) { appealCase(caseId: $id, statement: "not our fault") { id } }`,
    variables: (f) => ({ id: f.caseId }),
  },
  reviewAppeal: {
    query: `mutation($id: ID!) { reviewAppeal(appealId: $id, overturn: false, note: "checked") { id } }`,
    variables: (f) => ({ id: f.appealId }),
  },
  caseMetrics: {
    query: `query($from: DateTimeISO!, $to: DateTimeISO!) { caseMetrics(from: $from, to: $to) { __typename } }`,
    variables: () => ({
      from: new Date(Date.now() - 86_400_000).toISOString(),
      to: new Date().toISOString(),
    }),
  },
  caseRuleVersions: {
    query: `{ caseRuleVersions(ruleId: "auto-review") { version } }`,
    variables: () => ({}),
  },
  setCaseRuleParams: {
    // Parameters that do not parse: an allowed caller gets INVALID_RULE_PARAMS and no version is made.
    query: `mutation { setCaseRuleParams(ruleId: "auto-review", params: "{\\"nonsense\\": true}", note: "n") { version } }`,
    variables: () => ({}),
  },
  reportRiderPosition: {
    query: `mutation($o: ID!, $at: DateTimeISO!) { reportRiderPosition(input: { orderId: $o, lat: 31.2, lng: 121.4, recordedAt: $at }) { id } }`,
    variables: (f) => ({ o: f.paid.orderId, at: new Date().toISOString() }),
  },
  orderWarnings: {
    query: `query($o: ID!) { orderWarnings(orderId: $o) { id } }`,
    variables: (f) => ({ o: f.paid.orderId }),
  },
  detectLateOrders: { query: `mutation { detectLateOrders { __typename } }`, variables: () => ({}) },
};

// prettier-ignore
const EXPECTED: Record<string, Record<CallerName, Outcome>> = {
  //                      anonymous   owner      otherCustomer liableMerchant otherMerchant orderRider support finance   admin     service
  case:                  row('denied', 'ok',     'hidden',     'ok',          'hidden',     'hidden',  'ok',   'ok',     'ok',     'hidden'),
  'case.audit':          row('denied', 'hidden', 'hidden',     'hidden',      'hidden',     'hidden',  'ok',   'hidden', 'ok',     'hidden'),
  'case.similarCases':   row('denied', 'hidden', 'hidden',     'hidden',      'hidden',     'hidden',  'ok',   'hidden', 'ok',     'hidden'),
  myCases:               row('denied', 'ok',     'ok',         'denied',      'denied',     'denied',  'denied', 'denied', 'denied', 'denied'),
  reportCase:            row('denied', 'ok',     'hidden',     'denied',      'denied',     'denied',  'denied', 'denied', 'denied', 'denied'),
  openCaseOnBehalf:      row('denied', 'denied', 'denied',     'denied',      'denied',     'denied',  'ok',   'denied', 'denied', 'denied'),
  decideCase:            row('denied', 'denied', 'denied',     'denied',      'denied',     'denied',  'ok',   'denied', 'denied', 'denied'),
  respondToCaseProposal: row('denied', 'ok',     'hidden',     'denied',      'denied',     'denied',  'denied', 'denied', 'denied', 'denied'),
  redeliveries:          row('denied', 'denied', 'denied',     'denied',      'denied',     'denied',  'denied', 'denied', 'denied', 'ok'),
  redeemCaseCoupon:      row('denied', 'denied', 'denied',     'denied',      'denied',     'denied',  'denied', 'denied', 'denied', 'ok'),
  caseQueue:             row('denied', 'denied', 'denied',     'denied',      'denied',     'denied',  'ok',   'denied', 'ok',     'denied'),
  caseQueueCounts:       row('denied', 'denied', 'denied',     'denied',      'denied',     'denied',  'ok',   'denied', 'ok',     'denied'),
  assignCase:            row('denied', 'denied', 'denied',     'denied',      'denied',     'denied',  'ok',   'denied', 'denied', 'denied'),
  takeCase:              row('denied', 'denied', 'denied',     'denied',      'denied',     'denied',  'ok',   'denied', 'denied', 'denied'),
  requestCaseEvidence:   row('denied', 'denied', 'denied',     'denied',      'denied',     'denied',  'ok',   'denied', 'denied', 'denied'),
  supplyCaseEvidence:    row('denied', 'ok',     'hidden',     'denied',      'denied',     'denied',  'denied', 'denied', 'denied', 'denied'),
  rateCase:              row('denied', 'ok',     'hidden',     'denied',      'denied',     'denied',  'denied', 'denied', 'denied', 'denied'),
  liableCases:           row('denied', 'denied', 'denied',     'ok',          'ok',         'ok',      'denied', 'denied', 'denied', 'denied'),
  appealCase:            row('denied', 'denied', 'denied',     'ok',          'hidden',     'hidden',  'denied', 'denied', 'denied', 'denied'),
  reviewAppeal:          row('denied', 'denied', 'denied',     'denied',      'denied',     'denied',  'ok',   'denied', 'denied', 'denied'),
  caseMetrics:           row('denied', 'denied', 'denied',     'denied',      'denied',     'denied',  'ok',   'denied', 'ok',     'denied'),
  caseRuleVersions:      row('denied', 'denied', 'denied',     'denied',      'denied',     'denied',  'denied', 'denied', 'ok',   'denied'),
  setCaseRuleParams:     row('denied', 'denied', 'denied',     'denied',      'denied',     'denied',  'denied', 'denied', 'ok',   'denied'),
  reportRiderPosition:   row('denied', 'denied', 'denied',     'denied',      'denied',     'denied',  'denied', 'denied', 'denied', 'ok'),
  orderWarnings:         row('denied', 'denied', 'denied',     'denied',      'denied',     'denied',  'ok',   'denied', 'ok',     'denied'),
  detectLateOrders:      row('denied', 'denied', 'denied',     'denied',      'denied',     'denied',  'denied', 'denied', 'ok',   'denied'),
};

function row(...outcomes: Outcome[]): Record<CallerName, Outcome> {
  return Object.fromEntries(CALLERS.map((c, i) => [c, outcomes[i]!])) as Record<CallerName, Outcome>;
}

describe('case authorization matrix (every role × every case operation, over HTTP)', () => {
  let t: TestApp;
  let f: Fixture;
  let callers: Record<CallerName, Caller>;

  beforeAll(async () => {
    t = await startTestApp({ simulators: true, env: { CASE_REFUND_FOLLOW_MS: '300' } });
    t.app.simulators!.wechatpay!.sim.setRefundLifecycle({ mode: 'immediate' });
    const paid = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 1_800, riderId: 'r_matrix' });
    const caseId = (await reportCase(t, paid.customerId, { orderId: paid.orderId, type: 'WRONG_ITEM' })).data!
      .reportCase.id;
    const decided = await decideCase(t, { caseId, kind: 'FULL_REFUND', liableParty: 'MERCHANT' }, SUPPORT);
    expect(decided.errors).toBeUndefined();
    await waitForCase(t, caseId, (c) => c.status === 'RESOLVED');
    const appealed = await t.gql<{ appealCase: { id: string } }>(
      `mutation($id: ID!) { appealCase(caseId: $id, statement: "the bag was sealed") { id } }`,
      { id: caseId },
      { role: 'MERCHANT', sub: paid.merchantId },
    );
    expect(appealed.errors).toBeUndefined();
    f = { paid, caseId, appealId: appealed.data!.appealCase.id };
    callers = {
      anonymous: undefined,
      owner: customer(paid.customerId),
      otherCustomer: customer('c_matrix_other'),
      liableMerchant: { role: 'MERCHANT', sub: paid.merchantId },
      otherMerchant: { role: 'MERCHANT', sub: 'm_matrix_other' },
      orderRider: { role: 'RIDER', sub: 'r_matrix' },
      support: SUPPORT, // the agent who decided: a second review by them is refused as SAME_REVIEWER
      finance: { role: 'FINANCE', sub: 'fin_1' },
      admin: { role: 'ADMIN', sub: 'root' },
      service: { role: 'SERVICE', sub: 'order-system' },
    };
  }, 90_000);
  afterAll(async () => t?.stop());

  it('each caller gets exactly what the rules allow, and a foreign case reads as a missing one', async () => {
    const observed: Record<string, Record<CallerName, Outcome>> = {};
    const internalErrors: string[] = [];
    for (const [name, op] of Object.entries(OPERATIONS)) {
      observed[name] = {} as Record<CallerName, Outcome>;
      for (const caller of CALLERS) {
        const res = await t.gql(op.query, op.variables(f), callers[caller] as never);
        const code = codeOf(res);
        if (code === 'INTERNAL_SERVER_ERROR' || code === 'GRAPHQL_VALIDATION_FAILED')
          internalErrors.push(`${name} as ${caller}: ${String(code)} ${res.errors?.[0]?.message ?? ''}`);
        observed[name][caller] =
          code === 'UNAUTHENTICATED' || code === 'FORBIDDEN'
            ? 'denied'
            : typeof code === 'string' && HIDDEN_CODES.has(code)
              ? 'hidden'
              : res.data && op.nullMeansHidden?.(res.data)
                ? 'hidden'
                : 'ok';
      }
    }
    expect(internalErrors).toEqual([]);
    expect(observed).toEqual(EXPECTED);
  }, 120_000);

  it('a missing case gives callers who may see cases the same answer as a foreign one', async () => {
    const missing = { ...f, caseId: 'cs_does_not_exist' };
    for (const name of ['case', 'supplyCaseEvidence', 'rateCase', 'respondToCaseProposal'] as const) {
      const op = OPERATIONS[name]!;
      const foreign = await t.gql(op.query, op.variables(f), callers.otherCustomer as never);
      const none = await t.gql(op.query, op.variables(missing), callers.otherCustomer as never);
      expect([name, codeOf(none), none.data ?? null]).toEqual([name, codeOf(foreign), foreign.data ?? null]);
    }
  });
});
