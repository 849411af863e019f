import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, tokenFor, type TestApp } from '../support/app.js';

const ADMIN = { role: 'ADMIN', sub: 'root' } as const;

/** k fragments, each spreading the previous twice: 2^k paths in a few hundred bytes. */
const fanOut = (k: number) =>
  `{ viewer { ...F${k} } } fragment F0 on Viewer { subject } ` +
  Array.from({ length: k }, (_, i) => `fragment F${i + 1} on Viewer { ...F${i} ...F${i} }`).join(' ');

describe('query limits over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ role: 'api' });
  });
  afterAll(async () => t.stop());

  it('refuses 26 chained fragments at once with QUERY_LIMIT, anonymous or not', async () => {
    for (const token of [undefined, ADMIN]) {
      const started = performance.now();
      const res = await t.gql(fanOut(26), {}, token);
      expect(performance.now() - started).toBeLessThan(2_000); // was ~50 s
      expect(res.status).toBe(400);
      expect(res.errors?.[0]?.extensions?.['code']).toBe('QUERY_LIMIT');
    }
  });

  it('gives QUERY_LIMIT for depth, directives, tokens and cost', async () => {
    const deep = `{ refunds { edges { node { events { id } } } } ${'order(id: "o") { payments { refunds { events { id } } } }'} }`;
    expect((await t.gql(deep, {}, ADMIN)).errors).toBeUndefined();
    const directives = `{ viewer { subject ${'@include(if: true) '.repeat(21)} } }`;
    const tokens = `{ viewer { ${'subject '.repeat(2_001)} } }`;
    const cost = `{ refunds(first: 100) { edges { node { events(first: 100) { id toStatus fromStatus source actorId actorRole occurredAt detail } } } } }`;
    for (const query of [directives, tokens, cost]) {
      const res = await t.gql(query, {}, ADMIN);
      expect(res.status, query.slice(0, 40)).toBe(400);
      expect(res.errors?.[0]?.extensions?.['code'], query.slice(0, 40)).toBe('QUERY_LIMIT');
    }
  });

  it('bounds nested lists by an argument with a maximum', async () => {
    const res = await t.gql(`{ order(id: "o_1") { refunds(first: 101) { id } } }`, {}, ADMIN);
    expect(res.errors).toBeUndefined(); // no order: the field is not reached
    const events = await t.gql(`{ refundEvents(refundId: "rf_1", first: 101) { id } }`, {}, ADMIN);
    expect(events.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('lets development introspection through the same limits', async () => {
    const { getIntrospectionQuery } = await import('graphql');
    const res = await t.gql(getIntrospectionQuery({ descriptions: true }));
    expect(res.errors).toBeUndefined();
  });
});

describe('security headers and 401', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ role: 'api' });
  });
  afterAll(async () => t.stop());

  it('sends helmet headers on every response', async () => {
    for (const path of ['/healthz', '/graphql?query=%7B__typename%7D', '/nowhere']) {
      const res = await fetch(`${t.url}${path}`, { headers: { 'apollo-require-preflight': 'true' } });
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('strict-transport-security'), path).toMatch(/max-age=31536000/);
      expect(res.headers.get('x-frame-options'), path).toBe('SAMEORIGIN');
    }
  });

  it('names the Bearer scheme on 401', async () => {
    const res = await t.gql('{ viewer { subject } }', {}, 'not-a-jwt');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });
});

describe('production-like errors', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ role: 'api', env: { NODE_ENV: 'production' } });
  });
  afterAll(async () => t.stop());

  it('does not suggest schema names, and refuses introspection', async () => {
    const typo = await t.gql('{ refundz { edges { node { id } } } }', {}, ADMIN);
    expect(typo.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean|refunds/);
    const field = await t.gql('{ refund(id: "x") { statu } }', {}, ADMIN);
    expect(field.errors?.[0]?.message).not.toMatch(/Did you mean|status/);
    const introspection = await t.gql('{ __schema { types { name } } }', {}, ADMIN);
    expect(introspection.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      role: 'api',
      env: {
        RATE_LIMIT_EXEMPT_LOOPBACK: 'false',
        RATE_LIMIT_AUTHENTICATED: '5',
        RATE_LIMIT_ANONYMOUS: '3',
        RATE_LIMIT_AUTH_FAILURES: '2',
        RATE_LIMIT_NOTIFY: '4',
        TRUST_PROXY: '127.0.0.1',
      },
    });
  });
  afterAll(async () => t.stop());

  const statuses = async (n: number, send: () => Promise<{ status: number }>) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await send()).status);
    return out;
  };

  it('counts each subject apart, with 429, Retry-After and RATE_LIMITED', async () => {
    const alice = await tokenFor('CUSTOMER', 'alice');
    const bob = await tokenFor('CUSTOMER', 'bob');
    expect(await statuses(5, () => t.gql('{ viewer { subject } }', {}, alice))).toEqual([
      200, 200, 200, 200, 200,
    ]);
    const refused = await t.gql('{ viewer { subject } }', {}, alice);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
    expect((await t.gql('{ viewer { subject } }', {}, bob)).status).toBe(200);
  });

  it('gives anonymous callers, failed authentication and notify callbacks their own budgets', async () => {
    expect(await statuses(4, () => t.gql('{ __typename }'))).toEqual([200, 200, 200, 429]);
    expect(await statuses(3, () => t.gql('{ __typename }', {}, 'forged'))).toEqual([401, 401, 429]);
    const notify = () =>
      fetch(`${t.url}/notify/alipay`, {
        method: 'POST',
        body: 'a=b',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    const codes = await statuses(5, notify);
    expect(codes.slice(0, 4)).not.toContain(429);
    expect(codes[4]).toBe(429);
    const body = (await (await notify()).json()) as { error: { code: string } };
    expect(body.error.code).toBe('RATE_LIMITED');
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
  it('refuses before the app sees the request: security headers, a request id, a budget per client address', async () => {
    const from = (address: string, authorization?: string) =>
      fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-forwarded-for': address,
          ...(authorization === undefined ? {} : { authorization }),
        },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
    expect(await statuses(3, () => from('203.0.113.7'))).toEqual([200, 200, 200]);
    const refused = await from('203.0.113.7');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
    expect(refused.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
    const requestId = refused.headers.get('x-request-id');
    expect(requestId).toMatch(/^req_/);
    const body = (await refused.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', requestId });
    // Another client behind the same proxy has a budget of its own (the connection stays usable).
    expect((await from('203.0.113.8')).status).toBe(200);
    // Failed authentication is counted on the forwarded address too, apart from the anonymous budget.
    expect(await statuses(3, () => from('203.0.113.7', 'Bearer forged'))).toEqual([401, 401, 429]);
    expect(await statuses(2, () => from('203.0.113.9', 'Bearer forged'))).toEqual([401, 401]);
  });
});
