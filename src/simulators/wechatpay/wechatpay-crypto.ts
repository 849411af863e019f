/**
 * WeChat Pay v3 wire crypto as the platform side does it (PROTOCOLS A1, A3.3): request-signature
 * verification, response/notify signing, AES-256-GCM resource encryption with the APIv3 key.
 */
import { createCipheriv, createDecipheriv, createSign, createVerify, randomBytes } from 'node:crypto';
import { privateKeyOf, publicKeyOf, randomAlphanumeric } from '../shared/index.js';

export const AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';
export const SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';

export interface AuthorizationFields {
  readonly mchid: string;
  readonly nonceStr: string;
  readonly timestamp: string;
  readonly serialNo: string;
  readonly signature: string;
}

/** Parses `WECHATPAY2-SHA256-RSA2048 k="v",k="v"…` (pairs in any order); undefined when malformed. */
export function parseAuthorization(value: string | undefined): AuthorizationFields | undefined {
  if (!value || !value.startsWith(`${AUTH_SCHEME} `)) return undefined;
  const pairs = new Map<string, string>();
  for (const m of value.slice(AUTH_SCHEME.length + 1).matchAll(/([a-z_]+)="([^"]*)"/g)) {
    if (m[1] !== undefined && m[2] !== undefined) pairs.set(m[1], m[2]);
  }
  const mchid = pairs.get('mchid');
  const nonceStr = pairs.get('nonce_str');
  const timestamp = pairs.get('timestamp');
  const serialNo = pairs.get('serial_no');
  const signature = pairs.get('signature');
  if (!mchid || !nonceStr || !timestamp || !serialNo || !signature) return undefined;
  return { mchid, nonceStr, timestamp, serialNo, signature };
}

export function requestMessage(
  method: string,
  target: string,
  timestamp: string,
  nonce: string,
  body: Buffer,
): Buffer {
  return Buffer.concat([
    Buffer.from(`${method}\n${target}\n${timestamp}\n${nonce}\n`),
    body,
    Buffer.from('\n'),
  ]);
}

export function responseMessage(timestamp: string, nonce: string, body: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`), Buffer.from(body), Buffer.from('\n')]);
}

export function rsaSign(message: Buffer, privateKeyPem: string): string {
  return createSign('RSA-SHA256').update(message).sign(privateKeyOf(privateKeyPem), 'base64');
}

export function rsaVerify(message: Buffer, publicKeyPem: string, signatureB64: string): boolean {
  try {
    return createVerify('RSA-SHA256')
      .update(message)
      .verify(publicKeyOf(publicKeyPem), signatureB64, 'base64');
  } catch {
    return false;
  }
}

export interface EncryptedResource {
  readonly algorithm: 'AEAD_AES_256_GCM';
  readonly ciphertext: string;
  readonly associated_data: string;
  readonly nonce: string;
}

export function gcmEncrypt(apiV3Key: string, plaintext: string, associatedData: string): EncryptedResource {
  const nonce = randomAlphanumeric(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return {
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext: ct.toString('base64'),
    associated_data: associatedData,
    nonce,
  };
}

/** Used only by the simulator's own tests of its encryption; merchants use the adapter's decrypt. */
export function gcmDecrypt(apiV3Key: string, resource: Omit<EncryptedResource, 'algorithm'>): string {
  const buf = Buffer.from(resource.ciphertext, 'base64');
  const d = createDecipheriv(
    'aes-256-gcm',
    Buffer.from(apiV3Key, 'utf8'),
    Buffer.from(resource.nonce, 'utf8'),
  );
  d.setAuthTag(buf.subarray(buf.length - 16));
  d.setAAD(Buffer.from(resource.associated_data, 'utf8'));
  return Buffer.concat([d.update(buf.subarray(0, buf.length - 16)), d.final()]).toString('utf8');
}

/** Flip one byte inside the ciphertext body (not the tag) so only a tag check can catch it. */
export function corruptCiphertext(ciphertextB64: string): string {
  const buf = Buffer.from(ciphertextB64, 'base64');
  const i = Math.max(0, Math.floor((buf.length - 16) / 2));
  buf[i] = (buf[i] ?? 0) ^ 0x5a;
  return buf.toString('base64');
}

export function randomNonce32(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}
