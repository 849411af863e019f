/**
 * `npm run bench:validation`: the worst documents we can write in 1 KB, parsed and validated exactly
 * as the api does (graphql-js' rules, then our limits with the default configuration), timed over
 * repeated runs. Target: under 50 ms for any document. No database, no network.
 */
import 'reflect-metadata';
import { parse, specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { loadConfig } from '../src/config/index.js';
import { queryLimitRules } from '../src/graphql/index.js';
import { schemaTypes } from '../src/main.js';
import { line, percentile } from './support.js';

const BUDGET_BYTES = 1024;
const WARM_UP = 5;
const RUNS = 50;

/** Grows a document with `build(n)` while it fits in 1 KB; returns the largest that fits. */
function largest(name: string, build: (n: number) => string): [string, string] {
  let n = 1;
  while (build(n + 1).length <= BUDGET_BYTES) n++;
  return [`${name} (n=${n})`, build(n)];
}

const documents: [string, string][] = [
  largest(
    'fragment fan-out, each spreading the last twice',
    (k) =>
      `{refunds{edges{node{...F${k}}}}}fragment F0 on Refund{id}` +
      Array.from({ length: k }, (_, i) => `fragment F${i + 1} on Refund{...F${i} ...F${i}}`).join(''),
  ),
  largest(
    'fragment fan-out with overlapping fields',
    (k) =>
      `{refunds{edges{node{...F${k}}}}}fragment F0 on Refund{events{id} a:id}` +
      Array.from({ length: k }, (_, i) => `fragment F${i + 1} on Refund{...F${i} events{...F${i}X}}`).join(
        '',
      ) +
      Array.from({ length: k + 1 }, (_, i) => `fragment F${i}X on RefundEvent{id}`).join(''),
  ),
  largest(
    'same field, different arguments',
    (n) => `{${Array.from({ length: n }, (_, i) => `refund(id:"${i}"){id}`).join(' ')}}`,
  ),
  largest('aliases', (n) => `{${Array.from({ length: n }, (_, i) => `a${i}:refund(id:"x"){id}`).join(' ')}}`),
  largest('many fields', (n) => `{${'__typename '.repeat(n)}}`),
  largest('deep list nesting', (n) => `{${'order(id:"o"){payments{refunds{events{id}}}} '.repeat(n)}}`),
  largest('directives', (n) => `{viewer{subject${' @include(if:true)'.repeat(n)}}}`),
  largest(
    'variables',
    (n) =>
      `query(${Array.from({ length: n }, (_, i) => `$v${i}:ID`).join(' ')}){${Array.from({ length: n }, (_, i) => `r${i}:refund(id:$v${i}){id}`).join(' ')}}`,
  ),
  largest(
    'inline fragments',
    (n) => `{refunds{edges{node{${'... on Refund{'.repeat(n)}id${'}'.repeat(n)}}}}}`,
  ),
];

function timeOne(schema: GraphQLSchema, rules: ReturnType<typeof queryLimitRules>, text: string): number {
  const started = performance.now();
  const document = parse(text, { maxTokens: 2_000 });
  validate(schema, document, [...specifiedRules, ...rules]);
  return performance.now() - started;
}

function codeOf(code: unknown): string {
  return typeof code === 'string' ? code : 'GRAPHQL_VALIDATION_FAILED';
}

async function main(): Promise<void> {
  const schema = await schemaTypes();
  const config = loadConfig({ NODE_ENV: 'test', JWT_HS256_SECRET: 'x'.repeat(32) });
  const rules = queryLimitRules(config.graphql);
  line(
    `${documents.length} documents of at most ${BUDGET_BYTES} B, ${WARM_UP} warm-up + ${RUNS} timed runs each`,
  );
  let worst = { name: '', median: 0, max: 0 };
  for (const [name, text] of documents) {
    for (let i = 0; i < WARM_UP; i++) timeOne(schema, rules, text);
    const times = Array.from({ length: RUNS }, () => timeOne(schema, rules, text)).sort((a, b) => a - b);
    const median = percentile(times, 50);
    const max = times.at(-1) ?? 0;
    const errors = validate(schema, parse(text), [...specifiedRules, ...rules]);
    const codes = [...new Set(errors.map((e) => codeOf(e.extensions['code'])))];
    line(
      `${name.padEnd(50)} ${String(text.length).padStart(4)} B  median ${median.toFixed(2).padStart(6)} ms` +
        `  max ${max.toFixed(2).padStart(6)} ms  ${codes.join(',') || 'valid'}`,
    );
    if (median > worst.median) worst = { name, median, max };
  }
  line(
    `worst document: ${worst.name}: median ${worst.median.toFixed(2)} ms, max ${worst.max.toFixed(2)} ms ` +
      `to parse and validate (target < 50 ms)`,
  );
}

await main();
