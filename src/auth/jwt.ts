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

/** Verifies bearer tokens: HS256 with a shared secret or RS256 with a public key, issuer and audience pinned. */
export function createTokenVerifier(settings: JwtSettings): TokenVerifier {
  const keys: { key: KeyObject; alg: 'HS256' | 'RS256' }[] = [];
  if (settings.rs256PublicKeyPem)
    keys.push({ key: createPublicKey(settings.rs256PublicKeyPem), alg: 'RS256' });
  if (settings.hs256Secret)
    keys.push({ key: createSecretKey(Buffer.from(settings.hs256Secret)), alg: 'HS256' });
  return {
    async verify(token) {
      for (const { key, alg } of keys) {
        try {
          const { payload } = await jwtVerify(token, key, {
            algorithms: [alg],
            issuer: settings.issuer,
            audience: settings.audience,
            requiredClaims: ['sub', 'exp'],
            clockTolerance: 5,
          });
          if (typeof payload.sub !== 'string' || payload.sub.length === 0 || !isRole(payload['role'])) {
            throw AccessError.unauthenticated();
          }
          return { subject: payload.sub, role: payload['role'] };
        } catch (error) {
          if (error instanceof errors.JOSEAlgNotAllowed && keys.length > 1) continue;
          if (error instanceof errors.JWSSignatureVerificationFailed && keys.length > 1) continue;
          throw AccessError.unauthenticated();
        }
      }
      throw AccessError.unauthenticated();
    },
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
