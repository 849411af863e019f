import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintSelfSignedCertificate } from '../../src/simulators/shared/index.js';
import { startTestApp, type TestApp } from '../support/app.js';

const BODY = JSON.stringify({ query: '{ __typename }' });

describe('HTTPS with TLS_CERT_FILE / TLS_KEY_FILE', () => {
  let t: TestApp;
  let ca: string;
  beforeAll(async () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    ca = mintSelfSignedCertificate({
      privateKeyPem: privateKey,
      subject: { commonName: 'localhost' },
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
    }).certificatePem;
    const dir = mkdtempSync(path.join(tmpdir(), 'refunds-tls-'));
    writeFileSync(path.join(dir, 'cert.pem'), ca);
    writeFileSync(path.join(dir, 'key.pem'), privateKey);
    t = await startTestApp({
      role: 'api',
      env: { TLS_CERT_FILE: path.join(dir, 'cert.pem'), TLS_KEY_FILE: path.join(dir, 'key.pem') },
    });
  });
  afterAll(async () => t.stop());

  // The certificate names `localhost`; the chain is what is checked here, not the host name.
  const tls = () => ({ ca, checkServerIdentity: () => undefined });

  it('serves GraphQL over HTTP/2 with HSTS', async () => {
    expect(t.url).toMatch(/^https:\/\//);
    const session = http2.connect(t.url, tls());
    try {
      const { status, headers, body } = await new Promise<{
        status: number;
        headers: http2.IncomingHttpHeaders;
        body: string;
      }>((resolve, reject) => {
        const req = session.request({
          ':method': 'POST',
          ':path': '/graphql',
          'content-type': 'application/json',
        });
        let body = '';
        let headers: http2.IncomingHttpHeaders = {};
        req.on('response', (h) => (headers = h));
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => resolve({ status: Number(headers[':status']), headers, body }));
        req.on('error', reject);
        req.end(BODY);
      });
      expect(status).toBe(200);
      expect(JSON.parse(body)).toEqual({ data: { __typename: 'Query' } });
      expect(headers['strict-transport-security']).toMatch(/max-age=31536000/);
    } finally {
      session.close();
    }
  });

  it('still answers HTTP/1.1 clients over TLS', async () => {
    const { status, alpn } = await new Promise<{ status: number; alpn: string | false | null }>(
      (resolve, reject) => {
        const req = https.request(
          `${t.url}/graphql`,
          { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false, ...tls() },
          (res) => {
            const alpn = (res.socket as TLSSocket).alpnProtocol;
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, alpn }));
          },
        );
        req.on('error', reject);
        req.end(BODY);
      },
    );
    expect(status).toBe(200);
    expect(alpn).not.toBe('h2');
  });

  it('does not speak plain HTTP on that port', async () => {
    await expect(fetch(t.url.replace('https:', 'http:') + '/healthz')).rejects.toThrow();
  });
});
