import {
  createHmac,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  sign as cryptoSign,
  type KeyObject,
} from 'node:crypto';
import { errors, jwtVerify } from 'jose';
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

/** The former verifier: jose's `jwtVerify` per configured key, as the reference for the synchronous one. */
async function joseVerify(
  s: { hs256Secret?: string | undefined; rs256PublicKeyPem?: string | undefined },
  token: string,
  now: number,
): Promise<{ subject: string; role: string } | 'refused'> {
  const keys: { key: KeyObject; alg: 'HS256' | 'RS256' }[] = [];
  if (s.rs256PublicKeyPem) keys.push({ key: createPublicKey(s.rs256PublicKeyPem), alg: 'RS256' });
  if (s.hs256Secret) keys.push({ key: createSecretKey(Buffer.from(s.hs256Secret)), alg: 'HS256' });
  for (const { key, alg } of keys) {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [alg],
        issuer: settings.issuer,
        audience: settings.audience,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: 5,
        currentDate: new Date(now),
      });
      const role = payload['role'];
      if (
        typeof payload.sub !== 'string' ||
        payload.sub.length === 0 ||
        !Object.values(Role).includes(role as Role)
      )
        return 'refused';
      return { subject: payload.sub, role: role as string };
    } catch (error) {
      if (error instanceof errors.JOSEAlgNotAllowed && keys.length > 1) continue;
      if (error instanceof errors.JWSSignatureVerificationFailed && keys.length > 1) continue;
      return 'refused';
    }
  }
  return 'refused';
}

describe('synchronous verification answers as jose does', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const shortRsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const shortPem = shortRsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const secret = settings.hs256Secret;
  const nowMs = Date.UTC(2026, 11, 2, 12, 0, 0);
  const now = nowMs / 1000;
  const b64 = (value: unknown) =>
    Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  const claims = {
    sub: 'cust-1',
    role: Role.CUSTOMER,
    iss: settings.issuer,
    aud: settings.audience,
    iat: now - 10,
    exp: now + 3600,
  };
  /** A compact JWS over any header and payload (strings taken as they are), signed with `sign`. */
  const jws = (header: unknown, payload: unknown, sign: 'hs' | 'rs' | 'short' | 'none' = 'hs') => {
    const input = `${b64(header)}.${b64(payload)}`;
    const signature =
      sign === 'hs'
        ? createHmac('sha256', secret).update(input).digest()
        : sign === 'none'
          ? Buffer.alloc(0)
          : cryptoSign('sha256', Buffer.from(input), sign === 'rs' ? rsa.privateKey : shortRsa.privateKey);
    return `${input}.${signature.toString('base64url')}`;
  };
  const hs = { alg: 'HS256', typ: 'JWT' };
  const rs = { alg: 'RS256', typ: 'JWT' };
  const valid = jws(hs, claims);
  const cases: Record<string, string> = {
    'valid HS256': valid,
    'valid RS256': jws(rs, claims, 'rs'),
    'audience in a list': jws(hs, { ...claims, aud: ['other', settings.audience] }),
    'nbf within the tolerance': jws(hs, { ...claims, nbf: now + 4 }),
    'exp within the tolerance': jws(hs, { ...claims, exp: now - 4 }),
    'tampered payload': `${valid.split('.')[0]}.${b64({ ...claims, role: Role.ADMIN })}.${valid.split('.')[2]}`,
    'tampered signature': `${valid.slice(0, -2)}AA`,
    'wrong secret': (() => {
      const input = `${b64(hs)}.${b64(claims)}`;
      return `${input}.${createHmac('sha256', 'another-secret').update(input).digest('base64url')}`;
    })(),
    'alg none': jws({ alg: 'none' }, claims, 'none'),
    'HS256 keyed with the RSA public key': (() => {
      const input = `${b64(hs)}.${b64(claims)}`;
      return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    })(),
    'RS256 header on an HMAC signature': jws(rs, claims, 'hs'),
    'RS256 with a 1024-bit key': jws(rs, claims, 'short'),
    'wrong issuer': jws(hs, { ...claims, iss: 'someone-else' }),
    'wrong audience': jws(hs, { ...claims, aud: 'other' }),
    'audience list without ours': jws(hs, { ...claims, aud: ['a', 'b'] }),
    'no sub': jws(hs, { ...claims, sub: undefined }),
    'empty sub': jws(hs, { ...claims, sub: '' }),
    'no exp': jws(hs, { ...claims, exp: undefined }),
    'no iss': jws(hs, { ...claims, iss: undefined }),
    'no aud': jws(hs, { ...claims, aud: undefined }),
    'expired past the tolerance': jws(hs, { ...claims, exp: now - 6 }),
    'exp as a string': jws(hs, { ...claims, exp: String(now + 3600) }),
    'nbf in the future': jws(hs, { ...claims, nbf: now + 60 }),
    'nbf as a string': jws(hs, { ...claims, nbf: String(now) }),
    'iat as a string': jws(hs, { ...claims, iat: 'yesterday' }),
    'unknown role': jws(hs, { ...claims, role: 'ROOT' }),
    'crit header': jws({ ...hs, crit: ['exp'], exp: 1 }, claims),
    'payload not JSON': jws(hs, 'not json'),
    'payload an array': jws(hs, '[1,2]'),
    'header an array': jws('[1]', claims),
    'invalid base64url': `${valid.split('.')[0]}.${valid.split('.')[1]}*.${valid.split('.')[2]}`,
    'four parts': `${valid}.x`,
    'two parts': valid.split('.').slice(0, 2).join('.'),
    empty: '',
  };

  for (const keys of [
    { hs256Secret: secret, rs256PublicKeyPem: pem },
    { hs256Secret: secret, rs256PublicKeyPem: undefined },
    { hs256Secret: undefined, rs256PublicKeyPem: pem },
    { hs256Secret: undefined, rs256PublicKeyPem: shortPem },
  ]) {
    const label = `${keys.hs256Secret ? 'HS256' : ''}${keys.rs256PublicKeyPem === shortPem ? ' short RS256' : keys.rs256PublicKeyPem ? ' RS256' : ''}`;
    it(`answers each token as jose did, keys: ${label}`, async () => {
      const verifier = createTokenVerifier({ ...settings, ...keys }, () => nowMs);
      const ours = await Promise.all(
        Object.entries(cases).map(async ([name, token]) => [
          name,
          await verifier.verify(token).then(
            (viewer) => viewer,
            (error: { code?: string }) => (error.code === 'UNAUTHENTICATED' ? 'refused' : error),
          ),
        ]),
      );
      const theirs = await Promise.all(
        Object.entries(cases).map(async ([name, token]) => [name, await joseVerify(keys, token, nowMs)]),
      );
      expect(ours).toEqual(theirs);
      if (keys.hs256Secret) expect(Object.fromEntries(ours)['valid HS256']).not.toBe('refused');
      if (keys.rs256PublicKeyPem === pem) expect(Object.fromEntries(ours)['valid RS256']).not.toBe('refused');
    });
  }
});
