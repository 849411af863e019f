import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { AccessError } from '../errors/index.js';
import { isRole, type Role, type Viewer } from './viewer.js';

export interface JwtSettings {
  readonly hs256Secret: string | undefined;
  readonly rs256PublicKeyPem: string | undefined;
  readonly issuer: string;
  readonly audience: string;
}

export interface TokenVerifier {
  verify(bearer: string): Promise<Viewer>;
}

const CLOCK_TOLERANCE_SECONDS = 5;
/** Verified tokens remembered, so a client's every request does not re-verify the same signature. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Verifies bearer tokens: HS256 with a shared secret or RS256 with a public key, issuer and audience
 * pinned. A verified token is remembered (bounded, oldest out first) until its `exp`: a token's
 * signature and claims never change, so only the clock is re-checked on a hit.
 */
export function createTokenVerifier(settings: JwtSettings, clock: () => number = Date.now): TokenVerifier {
  const verifier = uncachedVerifier(settings, clock);
  const verified = new Map<string, { viewer: Viewer; expiresAtMs: number; notBeforeMs: number }>();
  return {
    async verify(token) {
      const now = clock();
      const hit = verified.get(token);
      if (hit && now < hit.expiresAtMs && now >= hit.notBeforeMs) return hit.viewer;
      if (hit) verified.delete(token);
      const { viewer, exp, nbf } = await verifier(token);
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
      verified.set(token, {
        viewer,
        expiresAtMs: (exp + CLOCK_TOLERANCE_SECONDS) * 1000,
        notBeforeMs: nbf === undefined ? 0 : (nbf - CLOCK_TOLERANCE_SECONDS) * 1000,
      });
      return viewer;
    },
  };
}

function uncachedVerifier(
  settings: JwtSettings,
  clock: () => number,
): (token: string) => Promise<{ viewer: Viewer; exp: number; nbf: number | undefined }> {
  const keys: { key: KeyObject; alg: 'HS256' | 'RS256' }[] = [];
  if (settings.rs256PublicKeyPem)
    keys.push({ key: createPublicKey(settings.rs256PublicKeyPem), alg: 'RS256' });
  if (settings.hs256Secret)
    keys.push({ key: createSecretKey(Buffer.from(settings.hs256Secret)), alg: 'HS256' });
  return async (token) => {
    for (const { key, alg } of keys) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [alg],
          issuer: settings.issuer,
          audience: settings.audience,
          requiredClaims: ['sub', 'exp'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(clock()),
        });
        if (typeof payload.sub !== 'string' || payload.sub.length === 0 || !isRole(payload['role'])) {
          throw AccessError.unauthenticated();
        }
        return {
          viewer: { subject: payload.sub, role: payload['role'] },
          exp: payload.exp!,
          nbf: payload.nbf,
        };
      } catch (error) {
        if (error instanceof errors.JOSEAlgNotAllowed && keys.length > 1) continue;
        if (error instanceof errors.JWSSignatureVerificationFailed && keys.length > 1) continue;
        throw AccessError.unauthenticated();
      }
    }
    throw AccessError.unauthenticated();
  };
}

/** Development and test tokens (HS256). Production tokens come from the identity provider. */
export async function signDevelopmentToken(options: {
  secret: string;
  issuer: string;
  audience: string;
  subject: string;
  role: Role;
  expiresIn?: string | number;
}): Promise<string> {
  return new SignJWT({ role: options.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.subject)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h')
    .sign(createSecretKey(Buffer.from(options.secret)));
}
