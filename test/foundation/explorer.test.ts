import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../src/auth/index.js';
import { startTestApp, TEST_JWT, type TestApp } from '../support/app.js';

/** The development GraphQL explorer: GraphiQL bundled at build time, served by the service itself. */
describe('GraphQL explorer', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 60_000);
  afterAll(async () => t.stop());

  it('a browser opening /graphql gets GraphiQL with a development SUPPORT token filled in', async () => {
    const page = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const token = /data-token="([^"]+)"/.exec(html)?.[1];
    expect(token).toBeDefined();
    const verifier = createTokenVerifier({
      hs256Secret: TEST_JWT.secret,
      rs256PublicKeyPem: undefined,
      issuer: TEST_JWT.issuer,
      audience: TEST_JWT.audience,
    });
    expect(await verifier.verify(token!)).toMatchObject({ role: 'SUPPORT', subject: 'agent_1' });
    // Nothing comes from another origin: every script and stylesheet is one of ours.
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.filter((a) => a.startsWith('http') || a.startsWith('//'))).toEqual([]);
    const script = assets.find((a) => a.endsWith('.js'));
    const stylesheet = assets.find((a) => a.endsWith('.css'));
    expect(script).toMatch(/^\/explorer\/assets\//);
    expect(stylesheet).toMatch(/^\/explorer\/assets\//);
    const js = await fetch(`${t.url}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(await js.text()).toContain('graphiql');
    expect((await fetch(`${t.url}${stylesheet}`)).status).toBe(200);
    expect((await fetch(`${t.url}/explorer/assets/nope.js`)).status).toBe(404);
  });

  it('GraphQL clients still reach the API at the same URL', async () => {
    const viaGet = await fetch(`${t.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(await viaGet.json()).toEqual({ data: { __typename: 'Query' } });
    const viaPost = await t.gql('{ viewer { role } }', {}, { role: 'FINANCE', sub: 'f_1' });
    expect(viaPost.data).toEqual({ viewer: { role: 'FINANCE' } });
  });

  it('is not served in production', async () => {
    const production = await startTestApp({
      env: { NODE_ENV: 'production', DATABASE_URL: t.databaseUrl },
    });
    try {
      const page = await fetch(`${production.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(page.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
      expect((await fetch(`${production.url}/explorer/assets/x.js`)).status).toBe(404);
    } finally {
      await production.app.stop();
    }
  });
});
