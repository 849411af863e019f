import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { WechatPayProviderConfig } from './wechatpay.config.js';

/** Resolves `Wechatpay-Serial` to a verification key: the public-key ID first, then certificate serials. */
export interface PlatformKeyring {
  keyFor(serial: string): KeyObject | undefined;
  /** What to send as the request's Wechatpay-Serial (which key we expect answers signed with). */
  readonly preferredSerial: string | undefined;
}

function toPublicKey(pem: string): KeyObject {
  return pem.includes('BEGIN CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
}

export function createPlatformKeyring(config: WechatPayProviderConfig): PlatformKeyring {
  const pub = config.platformPublicKey
    ? { id: config.platformPublicKey.id, key: toPublicKey(config.platformPublicKey.pem) }
    : undefined;
  // Serials compared case-insensitively: some tools print them in lower case.
  const certs = new Map(
    (config.platformCertificates ?? []).map((c) => [c.serialNo.toUpperCase(), toPublicKey(c.pem)]),
  );
  if (!pub && certs.size === 0)
    throw new Error('wechatpay: configure platformPublicKey and/or platformCertificates');
  const lastCert = [...certs.keys()].at(-1);
  return {
    keyFor: (serial) => (pub && serial === pub.id ? pub.key : certs.get(serial.toUpperCase())),
    preferredSerial: pub?.id ?? lastCert,
  };
}
