import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevelopmentToken } from '../../src/auth/index.js';
import { startTestApp, TEST_JWT, tokenFor, type TestApp } from '../support/app.js';

describe('HTTP + GraphQL foundation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.stop());

  it('answers liveness and readiness', async () => {
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      checks: { database: { ok: true }, migrations: { ok: true } },
    });
  });

  it('tells a signed-in caller who it is', async () => {
    const res = await t.gql('{ viewer { subject role } }', {}, { role: 'CUSTOMER', sub: 'c_42' });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ viewer: { subject: 'c_42', role: 'CUSTOMER' } });
  });

  it('lets an anonymous caller reach only __typename', async () => {
    const typename = await t.gql('{ __typename }');
    expect(typename.data).toEqual({ __typename: 'Query' });
    const viewer = await t.gql('{ viewer { subject } }');
    expect(viewer.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(viewer.data).toBeNull();
  });

  it('refuses a token signed with another key', async () => {
    const forged = await signDevelopmentToken({
      ...TEST_JWT,
      secret: 'another-secret-0123456789-0123456789-xyz',
      role: 'ADMIN' as never,
      subject: 'mallory',
    });
    const res = await t.gql('{ viewer { subject } }', {}, forged);
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  it('refuses an expired token', async () => {
    const expired = await tokenFor('SUPPORT', 'agent_1', Math.floor(Date.now() / 1000) - 60);
    const res = await t.gql('{ viewer { subject } }', {}, expired);
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  it('refuses a malformed authorization header and a token for another audience', async () => {
    expect((await t.gql('{ viewer { subject } }', {}, 'not-a-jwt')).status).toBe(401);
    const otherAudience = await signDevelopmentToken({
      ...TEST_JWT,
      audience: 'some-other-api',
      role: 'ADMIN' as never,
      subject: 'a',
    });
    expect((await t.gql('{ viewer { subject } }', {}, otherAudience)).status).toBe(401);
  });

  it('refuses a role that may not call a field, and allows the one that may', async () => {
    const support = await t.gql(
      '{ systemStatus { pendingMigrations } }',
      {},
      { role: 'SUPPORT', sub: 'agent_1' },
    );
    expect(support.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const admin = await t.gql<{ systemStatus: { pendingMigrations: string[]; appliedMigrations: string[] } }>(
      '{ systemStatus { pendingMigrations appliedMigrations } }',
      {},
      { role: 'ADMIN', sub: 'root' },
    );
    expect(admin.errors).toBeUndefined();
    expect(admin.data?.systemStatus.pendingMigrations).toEqual([]);
    expect(admin.data?.systemStatus.appliedMigrations.length).toBeGreaterThan(0);
  });

  it('puts the request id on errors and on the response header', async () => {
    const res = await t.gql('{ viewer { subject } }');
    const header = res.headers.get('x-request-id');
    expect(header).toMatch(/^req_/);
    expect(res.errors?.[0]?.extensions?.['requestId']).toBe(header);
  });

  it('rejects documents with too many aliases before executing them', async () => {
    const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ');
    expect((await t.gql(`{ ${aliases(30)} }`, {}, { role: 'ADMIN', sub: 'root' })).errors).toBeUndefined();
    const res = await t.gql(`{ ${aliases(31)} }`, {}, { role: 'ADMIN', sub: 'root' });
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.['code']).toBe('QUERY_LIMIT');
    expect(res.errors?.[0]?.message).toMatch(/Aliases limit of 30 exceeded, found 31/);
  });

  it('answers a syntax error as a client error, not a 500', async () => {
    const res = await t.gql('{ viewer { ', {}, { role: 'ADMIN', sub: 'root' });
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('refuses an oversized body without crashing', async () => {
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename } # ${'x'.repeat(200_000)}` }),
    });
    expect(response.status).toBe(413);
  });
});

describe('access log', () => {
  const lines: Record<string, unknown>[] = [];
  let t: TestApp;
  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString().split('\n'))
          if (text) lines.push(JSON.parse(text) as Record<string, unknown>);
        done();
      },
    });
    t = await startTestApp({ role: 'api', logs: { level: 'info', destination } });
  });
  afterAll(async () => t.stop());

  it('writes one line per request: method, path, status, time and request id, never the token', async () => {
    const token = await tokenFor('CUSTOMER', 'c_7');
    const res = await t.gql('{ viewer { subject } }', {}, token);
    const requestId = res.headers.get('x-request-id');
    const mine = () => lines.filter((line) => line['reqId'] === requestId);
    // The line is written once the response has finished, which may be just after the client has it.
    for (let i = 0; i < 100 && mine().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(mine()).toEqual([
      expect.objectContaining({
        msg: 'request completed',
        method: 'POST',
        url: '/graphql',
        statusCode: 200,
        responseTime: expect.any(Number),
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain(token);
  });
});
