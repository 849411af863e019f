import {
  createHmac,
  createPublicKey,
  createSecretKey,
  timingSafeEqual,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { SignJWT } from 'jose';
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

interface VerifyKey {
  readonly key: KeyObject;
  readonly alg: 'HS256' | 'RS256';
}

/**
 * Verifies a compact JWS and its claims as jose's `jwtVerify` does with these options (algorithm per
 * key, issuer, audience, `sub` and `exp` required, numeric dates, the clock tolerance), synchronously
 * with node:crypto: jose goes through WebCrypto, whose every call is a job on the thread pool and a
 * promise, and for a token seen once that was most of a request's authentication. A header with
 * `crit` is refused (jose accepts only `b64` there; no issuer of ours sends it).
 * test/foundation/jwt.test.ts checks its answers against jose's on valid and broken tokens.
 */
function uncachedVerifier(
  settings: JwtSettings,
  clock: () => number,
): (token: string) => Promise<{ viewer: Viewer; exp: number; nbf: number | undefined }> {
  const keys: VerifyKey[] = [];
  if (settings.rs256PublicKeyPem) {
    const key = createPublicKey(settings.rs256PublicKeyPem);
    // jose refuses RSA keys under 2048 bits on every verification: such a key verifies nothing here either.
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) keys.push({ key, alg: 'RS256' });
  }
  if (settings.hs256Secret)
    keys.push({ key: createSecretKey(Buffer.from(settings.hs256Secret)), alg: 'HS256' });
  return async (token) => {
    const jws = decodeCompact(token);
    const key = jws && keys.find((k) => k.alg === jws.header['alg']);
    if (!jws || !key || !signatureValid(key, jws.signingInput, jws.signature)) {
      throw AccessError.unauthenticated();
    }
    const claims = validClaims(jws.payload, settings, Math.floor(clock() / 1000));
    const { sub, role } = jws.payload;
    if (!claims || typeof sub !== 'string' || sub.length === 0 || !isRole(role)) {
      throw AccessError.unauthenticated();
    }
    return { viewer: { subject: sub, role }, ...claims };
  };
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A compact JWS's header and payload (JSON objects), signing input and signature; null if malformed. */
function decodeCompact(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
} | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) return null;
  const [header, payload] = [jsonObject(parts[0]!), jsonObject(parts[1]!)];
  if (!header || !payload || 'crit' in header) return null;
  return {
    header,
    payload,
    signingInput: `${parts[0]}.${parts[1]}`,
    signature: Buffer.from(parts[2]!, 'base64url'),
  };
}

function jsonObject(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(UTF8.decode(Buffer.from(part, 'base64url')));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function signatureValid({ key, alg }: VerifyKey, signingInput: string, signature: Buffer): boolean {
  if (alg === 'HS256') {
    const expected = createHmac('sha256', key).update(signingInput).digest();
    return expected.length === signature.length && timingSafeEqual(expected, signature);
  }
  try {
    return cryptoVerify('sha256', Buffer.from(signingInput), key, signature);
  } catch {
    return false;
  }
}

/** `exp` and `nbf` when the claims hold at `now` (seconds), as jose's claim checks; else null. */
function validClaims(
  claims: Record<string, unknown>,
  settings: JwtSettings,
  now: number,
): { exp: number; nbf: number | undefined } | null {
  const { iss, aud, iat, nbf, exp } = claims;
  if (!['sub', 'exp', 'aud', 'iss'].every((claim) => Object.hasOwn(claims, claim))) return null;
  if (iss !== settings.issuer) return null;
  if (!(aud === settings.audience || (Array.isArray(aud) && aud.includes(settings.audience)))) return null;
  if (iat !== undefined && typeof iat !== 'number') return null;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + CLOCK_TOLERANCE_SECONDS)) return null;
  if (typeof exp !== 'number' || exp <= now - CLOCK_TOLERANCE_SECONDS) return null;
  return { exp, nbf };
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
