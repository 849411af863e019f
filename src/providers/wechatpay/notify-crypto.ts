/**
 * Signature verification (A1.2) and AES-256-GCM decryption (A3.3) done by hand: the SDK's verifySign
 * cannot use public-key IDs and skips the timestamp check, and its decipher_gcm never calls final(),
 * so it accepts a wrong AAD or a forged tag (A5.5).
 */
import { createDecipheriv, verify } from 'node:crypto';
import { ProviderError, type ProviderErrorCode } from '../payment-provider.js';
import type { PlatformKeyring } from './platform-keyring.js';

export const SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

function first(headers: Headers, name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export interface SignatureCheck {
  readonly headers: Headers;
  readonly rawBody: Buffer | string;
  readonly now: Date;
  readonly maxSkewMs: number;
  readonly keyring: PlatformKeyring;
}

/** Throws ProviderError INVALID_SIGNATURE / SIGNATURE_PROBE / STALE_TIMESTAMP. */
export function verifyWechatSignature(check: SignatureCheck): void {
  const fail = (code: ProviderErrorCode, why: string): never => {
    throw new ProviderError(code, `wechatpay signature rejected: ${why}`);
  };
  const ts = first(check.headers, 'wechatpay-timestamp');
  const nonce = first(check.headers, 'wechatpay-nonce');
  const signature = first(check.headers, 'wechatpay-signature');
  const serial = first(check.headers, 'wechatpay-serial');
  if (!ts || !nonce || !signature || !serial) return fail('INVALID_SIGNATURE', 'missing Wechatpay-* headers');
  // WeChat's probes must fail verification so it sees merchants really verify (A1.2).
  if (signature.startsWith(SIGNTEST_PREFIX)) return fail('SIGNATURE_PROBE', 'SIGNTEST probe');
  const tsSec = Number(ts);
  if (!/^\d+$/.test(ts) || Math.abs(check.now.getTime() - tsSec * 1000) >= check.maxSkewMs)
    return fail('STALE_TIMESTAMP', 'timestamp outside window');
  const key = check.keyring.keyFor(serial);
  if (!key) return fail('INVALID_SIGNATURE', `unknown serial ${serial}`);
  const message = Buffer.concat([
    Buffer.from(`${ts}\n${nonce}\n`),
    Buffer.from(check.rawBody),
    Buffer.from('\n'),
  ]);
  let ok = false;
  try {
    ok = verify('RSA-SHA256', message, key, Buffer.from(signature, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) fail('INVALID_SIGNATURE', 'signature mismatch');
}

export interface EncryptedResource {
  readonly ciphertext: string;
  readonly nonce: string;
  readonly associated_data?: string | undefined;
}

/** AES-256-GCM with tag check; throws DECRYPTION_FAILED on any mismatch. */
export function decryptResource(apiV3Key: string, resource: EncryptedResource): string {
  try {
    const buf = Buffer.from(resource.ciphertext, 'base64');
    if (buf.length <= 16) throw new Error('ciphertext too short');
    const d = createDecipheriv(
      'aes-256-gcm',
      Buffer.from(apiV3Key, 'utf8'),
      Buffer.from(resource.nonce, 'utf8'),
    );
    d.setAuthTag(buf.subarray(buf.length - 16));
    d.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
    return Buffer.concat([d.update(buf.subarray(0, buf.length - 16)), d.final()]).toString('utf8');
  } catch (err) {
    throw new ProviderError(
      'DECRYPTION_FAILED',
      `wechatpay resource decryption failed: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
