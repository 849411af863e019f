import { Writable } from 'node:stream';
import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaTypes } from '../../src/main.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { reportCase } from '../cases/cases.fixtures.js';
import { newPaidOrder, requestRefund, type PaidOrder } from '../support/builders.js';

/** Hostile text: encodings, lengths, injections, forged ids and cursors. */
const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
const HOSTILE_TEXT: readonly unknown[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  'x\uDC00',
  '\u202Eevil',
  '\u0007bell',
  'x'.repeat(65),
  'x'.repeat(5_000),
  "'; drop table refund; --",
  'rf_0000 OR 1=1',
  '../../etc/passwd',
  '%s%n%x',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  '😀'.repeat(40),
  'NaN',
  '-0',
  '1e309',
  '99999999999999999999999999.99',
  '0.001',
  '-1.00',
  '2026-13-45T25:61:61Z',
  '+275760-09-13T00:00:00Z',
  'null',
  '{}',
  cursor(['x', 'y']),
  cursor(['2026-13-01T00:00:00Z', 'rf_x']),
  cursor([1e400, 'a']),
  cursor(['2026-01-01T00:00:00Z', "'; --"]),
  cursor(Array.from({ length: 1000 }, () => [])),
  'not-base64!!',
  12,
  true,
  { nested: 'object' },
];
const HOSTILE_INT: readonly unknown[] = [0, -1, 101, 2_147_483_647, -2_147_483_648, 2_147_483_648, 1.5, '1'];
const HOSTILE_ENUM: readonly unknown[] = ['NOPE', '', 'pending', 1];
const HOSTILE_BOOLEAN: readonly unknown[] = ['true', 2];

function corpusFor(type: GraphQLNamedType): readonly unknown[] {
  if (isEnumType(type)) return HOSTILE_ENUM;
  if (type.name === 'Int') return HOSTILE_INT;
  if (type.name === 'Boolean') return HOSTILE_BOOLEAN;
  return HOSTILE_TEXT;
}

interface Seed {
  readonly order: PaidOrder;
  readonly refundId: string;
  readonly caseId: string;
}

let keys = 0;

/** A value the resolver accepts, so a hostile value elsewhere reaches as deep as it can. */
function validValue(type: GraphQLInputType, name: string, field: string, seed: Seed): unknown {
  const inner = getNullableType(type);
  if (isListType(inner)) return [validValue(inner.ofType, name, field, seed)];
  if (isInputObjectType(inner)) {
    return Object.fromEntries(
      Object.values(inner.getFields())
        .filter((f) => isNonNullType(f.type))
        .map((f) => [f.name, validValue(f.type, f.name, field, seed)]),
    );
  }
  if (isEnumType(inner)) return inner.getValues()[0]?.value;
  const byName: Record<string, unknown> = {
    orderId: seed.order.orderId,
    paymentId: seed.order.paymentId,
    refundId: seed.refundId,
    caseId: seed.caseId,
    customerId: seed.order.customerId,
    merchantId: seed.order.merchantId,
    outTradeNo: seed.order.outTradeNo,
    idempotencyKey: `fuzz-key-${++keys}`,
    currency: 'CNY',
    amount: '1.00',
    code: 'platform:commission',
    id:
      {
        order: seed.order.orderId,
        payment: seed.order.paymentId,
        refund: seed.refundId,
        case: seed.caseId,
      }[field] ?? 'x_1',
  };
  if (name in byName) return byName[name];
  switch (inner.name) {
    case 'Int':
      return 10;
    case 'Boolean':
      return false;
    case 'DateTimeISO':
      return new Date().toISOString();
    default:
      return 'fuzz_1';
  }
}

/** Every leaf position under the arguments: [argument, input field, …] with its type. */
function leaves(
  args: readonly GraphQLArgument[],
): { path: string[]; type: GraphQLNamedType; wrap: (v: unknown) => unknown }[] {
  const out: { path: string[]; type: GraphQLNamedType; wrap: (v: unknown) => unknown }[] = [];
  const walk = (type: GraphQLInputType, path: string[]) => {
    const inner = getNullableType(type);
    const named = getNamedType(type);
    if (isInputObjectType(named)) {
      for (const f of Object.values(named.getFields())) walk(f.type, [...path, f.name]);
      return;
    }
    out.push({ path, type: named, wrap: isListType(inner) ? (v) => [v] : (v) => v });
  };
  for (const arg of args) walk(arg.type, [arg.name]);
  return out;
}

function setAt(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
}

const selectionOf = (type: GraphQLNamedType) => (isCompositeType(type) ? '{ __typename }' : '');

interface Probe {
  readonly query: string;
  readonly variables: Record<string, unknown>;
  readonly label: string;
  /** The root field, whose caller is chosen once (see `callerFor`). */
  readonly root?: string;
}

/** One field called with its arguments as variables `$<prefix><arg>`. */
function call(
  field: GraphQLField<unknown, unknown>,
  prefix: string,
  inner = selectionOf(getNamedType(field.type)),
) {
  const defs = field.args.map((a) => `$${prefix}${a.name}: ${a.type.toString()}`);
  const args = field.args.map((a) => `${a.name}: $${prefix}${a.name}`);
  return { defs, text: `${field.name}${args.length ? `(${args.join(', ')})` : ''} ${inner}` };
}

/** Per root field: the field called with valid values only, to find a caller it lets through. */
const baselines = new Map<string, { query: string; variables: Record<string, unknown> }>();

function probesFor(operation: 'query' | 'mutation', root: GraphQLObjectType, seed: Seed): Probe[] {
  const probes: Probe[] = [];
  const base = (field: GraphQLField<unknown, unknown>, prefix: string) =>
    Object.fromEntries(
      field.args
        .filter((a) => isNonNullType(a.type))
        .map((a) => [`${prefix}${a.name}`, validValue(a.type, a.name, field.name, seed)]),
    );
  for (const field of Object.values(root.getFields())) {
    const own = call(field, 'a_');
    const ownDefs = own.defs.length ? `(${own.defs.join(', ')})` : '';
    baselines.set(field.name, {
      query: `${operation}${ownDefs} { ${own.text} }`,
      variables: base(field, 'a_'),
    });
    for (const leaf of leaves(field.args)) {
      for (const hostile of corpusFor(leaf.type)) {
        const variables = structuredClone(base(field, 'a_'));
        const [first, ...rest] = leaf.path;
        if (rest.length === 0) variables[`a_${first}`] = leaf.wrap(hostile);
        else setAt(variables, [`a_${first}`, ...rest], leaf.wrap(hostile));
        const defs = own.defs.length ? `(${own.defs.join(', ')})` : '';
        probes.push({
          query: `${operation}${defs} { ${own.text} }`,
          variables,
          label: `${field.name}.${leaf.path.join('.')}`,
          root: field.name,
        });
      }
    }
    // One level down: the arguments of the returned type's fields (nested lists' `first`, …).
    const returned = getNamedType(field.type);
    if (operation !== 'query' || !('getFields' in returned) || isInputObjectType(returned)) continue;
    for (const nested of Object.values((returned as GraphQLObjectType).getFields())) {
      if (nested.args.length === 0) continue;
      const inner = call(nested, 'n_');
      const outer = call(field, 'a_', `{ ${inner.text} }`);
      const defs = [...outer.defs, ...inner.defs];
      for (const leaf of leaves(nested.args)) {
        for (const hostile of corpusFor(leaf.type)) {
          const variables = { ...base(field, 'a_'), ...base(nested, 'n_') };
          setAt(variables, [`n_${leaf.path[0]}`, ...leaf.path.slice(1)], leaf.wrap(hostile));
          probes.push({
            query: `query(${defs.join(', ')}) { ${outer.text} }`,
            variables,
            label: `${field.name}.${nested.name}.${leaf.path.join('.')}`,
            root: field.name,
          });
        }
      }
    }
  }
  return probes;
}

interface Caller {
  readonly role: 'ADMIN' | 'SUPPORT' | 'FINANCE' | 'SERVICE' | 'CUSTOMER' | 'MERCHANT' | 'RIDER';
  readonly sub: string;
}

const ADMIN: Caller = { role: 'ADMIN', sub: 'fuzz_admin' };

/**
 * For each root field, the first role its baseline call does not refuse as FORBIDDEN (admin first,
 * then the back office, the order system, and the seeded order's customer, merchant and rider).
 */
async function callersFor(t: TestApp, seed: Seed): Promise<Map<string, Caller>> {
  const roles: Caller[] = [
    ADMIN,
    { role: 'SUPPORT', sub: 'fuzz_agent' },
    { role: 'FINANCE', sub: 'fuzz_fin' },
    { role: 'SERVICE', sub: 'order-system' },
    { role: 'CUSTOMER', sub: seed.order.customerId },
    { role: 'MERCHANT', sub: seed.order.merchantId },
    { role: 'RIDER', sub: 'r_fuzz' },
  ];
  const chosen = new Map<string, Caller>();
  for (const [root, baseline] of baselines) {
    for (const caller of roles) {
      const res = await t.gql(baseline.query, baseline.variables, caller);
      if (!res.errors?.some((e) => e.extensions?.['code'] === 'FORBIDDEN')) {
        chosen.set(root, caller);
        break;
      }
    }
  }
  return chosen;
}

/** Literals written into the document itself: GraphQL string escapes reach the parser, not JSON. */
const LITERALS = [
  `{ refund(id: "\\u0000") { id } }`,
  `{ refund(id: "\\uD800") { id } }`,
  `{ order(id: "o\\u0000") { id } }`,
  `{ refunds(after: "\\u0000") { edges { cursor } } }`,
  `{ account(code: "merchant:\\u0000:payable", currency: "CNY") { id } }`,
  `mutation { closeRefund(refundId: "rf_1", reason: "\\u0000") { id } }`,
];

describe('fuzzing every argument of every operation', () => {
  let t: TestApp;
  let seed: Seed;
  const errorLines: string[] = [];
  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString().split('\n')) {
          if (text && (JSON.parse(text) as { level: number }).level >= 50) errorLines.push(text);
        }
        done();
      },
    });
    t = await startTestApp({ simulators: true, logs: { level: 'error', destination } });
    const order = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 100_000, riderId: 'r_fuzz' });
    const refund = await requestRefund(t, { paymentId: order.paymentId, amountFen: 100 });
    if (!refund.data) throw new Error(JSON.stringify(refund.errors));
    const reported = await reportCase(t, order.customerId, { orderId: order.orderId });
    if (!reported.data) throw new Error(JSON.stringify(reported.errors));
    seed = { order, refundId: refund.data.requestRefund.refund.id, caseId: reported.data.reportCase.id };
  }, 120_000);
  afterAll(async () => t.stop());

  it('answers every hostile value as a client error, with no error-level log', async () => {
    const schema = await schemaTypes();
    const probes = [
      ...probesFor('query', schema.getQueryType()!, seed),
      ...probesFor('mutation', schema.getMutationType()!, seed),
      ...LITERALS.map((query): Probe => ({ query, variables: {}, label: query })),
    ];
    const callers = await callersFor(t, seed);
    const failures: string[] = [];
    let sent = 0;
    const CONCURRENCY = 4;
    const queue = [...probes];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let probe = queue.shift(); probe; probe = queue.shift()) {
          const res = await t.gql(probe.query, probe.variables, callers.get(probe.root ?? '') ?? ADMIN);
          sent++;
          const internal = res.errors?.find((e) => e.extensions?.['code'] === 'INTERNAL_SERVER_ERROR');
          if (res.status >= 500 || internal) {
            failures.push(`${probe.label} ${JSON.stringify(probe.variables).slice(0, 120)} → ${res.status}`);
          }
        }
      }),
    );
    console.log(
      `fuzz corpus: ${sent} requests over ${new Set(probes.map((p) => p.label)).size} argument positions`,
    );
    expect(failures).toEqual([]);
    expect(errorLines).toEqual([]);
    expect(sent).toBeGreaterThan(1_000);
    // Every operation was reached by a caller it lets through (hostile values get past the role check).
    const refusedToAll = [...baselines.keys()].filter((root) => !callers.has(root));
    expect(refusedToAll).toEqual([]);
  }, 300_000);
});
