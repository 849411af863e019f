import { buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { costLimitRule, queryLimitRules, type QueryLimits } from './limits.js';

const schema = buildSchema(`
  type Node { name: String child: Node children(first: Int = 20): [Node!]! tags: [String!]! }
  type Query { root: Node nodes(first: Int): [Node!]! }
`);

const LIMITS: QueryLimits = {
  maxDepth: 12,
  maxAliases: 30,
  maxDirectives: 20,
  maxTokens: 2_000,
  maxCost: 50_000,
};

const nested = (depth: number) =>
  `{ ${'root { '.concat('child { '.repeat(depth - 2))} name ${'} '.repeat(depth - 1)}}`;

/** k fragments, each spreading the previous one twice: 2^k paths through a document of k lines. */
const fanOut = (k: number) => {
  const fragments = Array.from(
    { length: k },
    (_, i) => `fragment F${i + 1} on Node { ...F${i} child { ...F${i} } }`,
  );
  return `{ root { ...F${k} } } fragment F0 on Node { name } ${fragments.join(' ')}`;
};

const codes = (query: string, limits: Partial<QueryLimits> = {}) =>
  validate(schema, parse(query), queryLimitRules({ ...LIMITS, ...limits })).map((e) => e.extensions['code']);

describe('query limits', () => {
  it.each([
    [3, 3, 0],
    [4, 3, 1],
    [10, 12, 0],
    [13, 12, 1],
  ])('depth %i against limit %i gives %i error(s)', (depth, limit, errors) => {
    expect(codes(nested(depth), { maxDepth: limit })).toEqual(Array(errors).fill('QUERY_LIMIT'));
  });

  it('follows fragments when measuring depth', () => {
    const doc = `{ root { ...A } } fragment A on Node { child { child { name } } }`;
    expect(codes(doc, { maxDepth: 3 })).toEqual(['QUERY_LIMIT']);
    expect(codes(doc, { maxDepth: 4 })).toEqual([]);
  });

  it('counts aliases and directives across the whole document', () => {
    const doc = `{ a: root { b: name c: name } d: root { name @include(if: true) @skip(if: false) } }`;
    expect(codes(doc, { maxAliases: 4 })).toEqual([]);
    expect(codes(doc, { maxAliases: 3 })).toEqual(['QUERY_LIMIT']);
    expect(codes(doc, { maxDirectives: 1 })).toEqual(['QUERY_LIMIT']);
  });

  it('measures each fragment once: 40 chained fragments (2^40 paths) are refused, not walked', () => {
    const started = performance.now();
    const errors = codes(fanOut(40));
    // The old walk took ~50 s at 26 fragments; a linear one takes well under a millisecond here.
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(errors).toContain('QUERY_LIMIT');
  });

  it('counts a list by its page size, a variable page size as the maximum', () => {
    const cost = (query: string) =>
      validate(schema, parse(query), [costLimitRule(0)]).map((e) => e.message)[0];
    expect(cost(`{ nodes(first: 5) { name } }`)).toMatch(/cost 6 /);
    expect(cost(`{ nodes(first: 5) { children { name } } }`)).toMatch(/cost 106 /); // 1 + 5 × (1 + 20 × 1)
    expect(cost(`query ($n: Int) { nodes(first: $n) { name } }`)).toMatch(/cost 101 /);
    expect(cost(`{ root { tags } }`)).toMatch(/cost 2 /);
    expect(codes(`{ nodes(first: 100) { children(first: 100) { children(first: 100) { name } } } }`)).toEqual(
      ['QUERY_LIMIT'],
    );
  });

  it('lets the standard introspection query through under the same limits', () => {
    expect(codes(getIntrospectionQuery({ descriptions: true }), { maxDepth: 15 })).toEqual([]);
  });
});
