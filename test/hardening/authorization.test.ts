import {
  getNamedType,
  isInterfaceType,
  isLeafType,
  isNonNullType,
  isObjectType,
  isUnionType,
  isEnumType,
  isInputObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaTypes } from '../../src/main.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { reportCase } from '../cases/cases.fixtures.js';
import { newPaidOrder, requestRefund, type PaidOrder } from '../support/builders.js';

/**
 * Every path to every type, for every role, generated from the schema: each query field called with
 * the seeded ids, selecting every object-typed field three levels down (lists with `first: 5`).
 * A viewer must never receive an object of a type it may not see, whatever path led there.
 */
const OWNED = ['Order', 'Payment', 'Refund', 'RefundEvent'];
/** Risk flags, rules and their routing are for support and admins only. */
const RISK = ['RiskFlag', 'RiskRule', 'RiskRuleVersion', 'RiskBacktest', 'RefundRisk'];

interface Subject {
  readonly role: string;
  readonly sub: string;
  /** Types this viewer must never receive (of the seeded order). */
  readonly forbidden: readonly string[];
}

const SUBJECTS: readonly Subject[] = [
  { role: 'ADMIN', sub: 'root', forbidden: [] },
  { role: 'SUPPORT', sub: 'agent_1', forbidden: [] },
  { role: 'FINANCE', sub: 'fin_1', forbidden: [] },
  { role: 'SERVICE', sub: 'order-system', forbidden: RISK },
  { role: 'CUSTOMER', sub: 'c_owner', forbidden: RISK },
  { role: 'CUSTOMER', sub: 'c_other', forbidden: [...OWNED, 'Case', ...RISK] },
  { role: 'MERCHANT', sub: 'm_owner', forbidden: RISK },
  { role: 'MERCHANT', sub: 'm_other', forbidden: [...OWNED, 'Case', ...RISK] },
  // Riders see the orders they carried, never refunds, and payments only with a rider share.
  { role: 'RIDER', sub: 'r_owner', forbidden: ['Payment', 'Refund', 'RefundEvent', ...RISK] },
  { role: 'RIDER', sub: 'r_other', forbidden: [...OWNED, 'Case', ...RISK] },
];

const DEPTH = 3;

function argumentsFor(field: GraphQLField<unknown, unknown>, seed: Seed, root: boolean): string {
  const byName: Record<string, string> = {
    orderId: seed.order.orderId,
    paymentId: seed.order.paymentId,
    refundId: seed.refundId,
    caseId: seed.caseId,
    code: `merchant:${seed.order.merchantId}:payable`,
    currency: 'CNY',
    id:
      {
        order: seed.order.orderId,
        payment: seed.order.paymentId,
        refund: seed.refundId,
        case: seed.caseId,
      }[field.name] ?? 'x_1',
  };
  const args = field.args
    .filter((a) => (isNonNullType(a.type) && a.defaultValue === undefined) || a.name === 'first')
    .map((a) => `${a.name}: ${a.name === 'first' ? '5' : literalFor(a.type, byName[a.name])}`);
  void root;
  return args.length ? `(${args.join(', ')})` : '';
}

/** A valid literal of the argument's type: the seeded id by name, otherwise any value of the type. */
function literalFor(type: GraphQLInputType, seeded: string | undefined): string {
  const named = getNamedType(type);
  if (seeded !== undefined) return JSON.stringify(seeded);
  if (isEnumType(named)) return named.getValues()[0]!.name;
  if (isInputObjectType(named)) {
    const fields = Object.values(named.getFields()).filter((f) => isNonNullType(f.type));
    return `{ ${fields.map((f) => `${f.name}: ${literalFor(f.type, undefined)}`).join(', ')} }`;
  }
  if (named.name === 'Int') return '10';
  if (named.name === 'Boolean') return 'false';
  if (named.name === 'DateTimeISO') return JSON.stringify(new Date(Date.now() - 86_400_000).toISOString());
  return JSON.stringify('x_1');
}

function selection(type: GraphQLNamedType, depth: number, seed: Seed): string {
  if (isUnionType(type) || isInterfaceType(type)) return '{ __typename }';
  if (!isObjectType(type)) return '';
  const parts = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    const named = getNamedType(field.type);
    if (isLeafType(named)) {
      if (field.name === 'id') parts.push('id');
      continue;
    }
    if (depth >= DEPTH) continue;
    if (field.args.some((a) => isNonNullType(a.type))) continue;
    parts.push(`${field.name}${argumentsFor(field, seed, false)} ${selection(named, depth + 1, seed)}`);
  }
  return `{ ${parts.join(' ')} }`;
}

/** Every object in a response with its `__typename`. */
function typesIn(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) typesIn(item, out);
  else if (value !== null && typeof value === 'object') {
    const typename = (value as { __typename?: unknown }).__typename;
    if (typeof typename === 'string') out.add(typename);
    for (const inner of Object.values(value)) typesIn(inner, out);
  }
  return out;
}

interface Seed {
  readonly order: PaidOrder;
  readonly refundId: string;
  readonly caseId: string;
}

describe('authorization on every path, generated from the schema', () => {
  let t: TestApp;
  let seed: Seed;
  beforeAll(async () => {
    t = await startTestApp({ simulators: true });
    const order = await newPaidOrder(t, {
      channel: 'WECHAT_PAY',
      amountFen: 5_000,
      customerId: 'c_owner',
      merchantId: 'm_owner',
      riderId: 'r_owner',
    });
    const refund = await requestRefund(t, { paymentId: order.paymentId, amountFen: 100 });
    if (!refund.data) throw new Error(JSON.stringify(refund.errors));
    const reported = await reportCase(t, 'c_owner', { orderId: order.orderId });
    if (!reported.data) throw new Error(JSON.stringify(reported.errors));
    seed = { order, refundId: refund.data.requestRefund.refund.id, caseId: reported.data.reportCase.id };
  }, 120_000);
  afterAll(async () => t.stop());

  it('never hands a viewer an object of a type it may not see, on any path', async () => {
    const schema = await schemaTypes();
    const fields = Object.values(schema.getQueryType()!.getFields()).filter(
      (f) => !isLeafType(getNamedType(f.type)),
    );
    const leaks: string[] = [];
    const seen = new Map<string, Set<string>>();
    let queries = 0;
    for (const subject of SUBJECTS) {
      const visible = new Set<string>();
      for (const field of fields) {
        const query = `{ ${field.name}${argumentsFor(field, seed, true)} ${selection(getNamedType(field.type), 1, seed)} }`;
        const res = await t.gql(query, {}, subject as never);
        queries++;
        const invalid = res.errors?.find((e) =>
          ['GRAPHQL_VALIDATION_FAILED', 'QUERY_LIMIT', 'INTERNAL_SERVER_ERROR'].includes(
            String(e.extensions?.['code']),
          ),
        );
        if (invalid) throw new Error(`${field.name}: ${invalid.message}`);
        for (const type of typesIn(res.data)) {
          visible.add(type);
          if (subject.forbidden.includes(type))
            leaks.push(`${subject.role} ${subject.sub} got ${type} via ${field.name}`);
        }
      }
      seen.set(`${subject.role} ${subject.sub}`, visible);
    }
    expect(leaks).toEqual([]);
    // The paths are real: owners and the back office do reach the seeded objects.
    expect([...(seen.get('CUSTOMER c_owner') ?? [])]).toEqual(expect.arrayContaining([...OWNED, 'Case']));
    expect([...(seen.get('MERCHANT m_owner') ?? [])]).toEqual(expect.arrayContaining(OWNED));
    expect([...(seen.get('ADMIN root') ?? [])]).toEqual(expect.arrayContaining([...OWNED, 'Case']));
    expect([...(seen.get('RIDER r_owner') ?? [])]).toContain('Order');
    expect(queries).toBe(SUBJECTS.length * fields.length);
  }, 120_000);
});
