import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { aliasLimit, depthLimit } from './limits.js';

const schema = buildSchema(`
  type Node { name: String child: Node }
  type Query { root: Node }
`);

const nested = (depth: number) =>
  `{ ${'root { '.concat('child { '.repeat(depth - 2))} name ${'} '.repeat(depth - 1)}}`;

describe('query limits', () => {
  it.each([
    [3, 3, 0],
    [4, 3, 1],
    [10, 12, 0],
    [13, 12, 1],
  ])('depth %i against limit %i gives %i error(s)', (depth, limit, errors) => {
    expect(validate(schema, parse(nested(depth)), [depthLimit(limit)])).toHaveLength(errors);
  });

  it('follows fragments when measuring depth', () => {
    const doc = parse(`{ root { ...A } } fragment A on Node { child { child { name } } }`);
    expect(validate(schema, doc, [depthLimit(3)])).toHaveLength(1);
    expect(validate(schema, doc, [depthLimit(4)])).toHaveLength(0);
  });

  it('counts aliases across the whole document', () => {
    const doc = parse(`{ a: root { b: name c: name } d: root { name } }`);
    expect(validate(schema, doc, [aliasLimit(4)])).toHaveLength(0);
    expect(validate(schema, doc, [aliasLimit(3)])).toHaveLength(1);
  });
});
