import { describe, expect, it } from 'vitest';
import { createTokenVerifier, Role, signDevelopmentToken } from '../../src/auth/index.js';

const settings = {
  hs256Secret: 'jwt-test-secret-0123456789-0123456789',
  rs256PublicKeyPem: undefined,
  issuer: 'takeout-refunds',
  audience: 'takeout-refunds-api',
};

async function token(expiresIn: string): Promise<string> {
  return signDevelopmentToken({
    secret: settings.hs256Secret,
    issuer: settings.issuer,
    audience: settings.audience,
    subject: 'agent-1',
    role: Role.SUPPORT,
    expiresIn,
  });
}

describe('token verifier cache', () => {
  it('answers a verified token from its cache until the token expires, then refuses it', async () => {
    let now = Date.now();
    const verifier = createTokenVerifier(settings, () => now);
    const bearer = await token('60s');
    expect(await verifier.verify(bearer)).toEqual({ subject: 'agent-1', role: Role.SUPPORT });
    now += 30_000;
    expect(await verifier.verify(bearer)).toEqual({ subject: 'agent-1', role: Role.SUPPORT });
    now += 40_000; // past exp and the 5 s tolerance: the cached entry must not keep it alive
    await expect(verifier.verify(bearer)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('never caches a refusal: a tampered token stays refused, the real one still passes', async () => {
    const verifier = createTokenVerifier(settings);
    const bearer = await token('1h');
    const [header, payload, signature] = bearer.split('.');
    const tampered = `${header}.${payload}.${signature!.slice(0, -2)}AA`;
    await expect(verifier.verify(tampered)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await verifier.verify(bearer)).toMatchObject({ subject: 'agent-1' });
    await expect(verifier.verify(tampered)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
