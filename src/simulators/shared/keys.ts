/**
 * Simulator key material: RSA-2048 key pairs, self-signed certificates and small secrets, generated on
 * first start and kept under a data dir so a restarted simulator keeps the same identities (the
 * merchant's configuration does not have to change between runs).
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  randomBytes,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mintSelfSignedCertificate, type DistinguishedName } from './x509.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export const DEFAULT_SIMULATOR_DATA_DIR = '.data/simulators';

export interface StoredKeyPair {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

export interface StoredCertificate extends StoredKeyPair {
  readonly certificatePem: string;
  /** 40 upper-case hex digits. */
  readonly serialNo: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function loadOrCreateKeyPair(dataDir: string, name: string): Promise<StoredKeyPair> {
  const keyPath = join(dataDir, `${name}.key.pem`);
  const pubPath = join(dataDir, `${name}.pub.pem`);
  const [privateKeyPem, publicKeyPem] = await Promise.all([readIfExists(keyPath), readIfExists(pubPath)]);
  if (privateKeyPem && publicKeyPem) return { privateKeyPem, publicKeyPem };
  await mkdir(dataDir, { recursive: true });
  const pair = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  await writeFile(keyPath, pair.privateKey, { mode: 0o600 });
  await writeFile(pubPath, pair.publicKey);
  return { privateKeyPem: pair.privateKey, publicKeyPem: pair.publicKey };
}

export interface CertificateOptions {
  readonly subject: DistinguishedName;
  readonly validityDays?: number;
}

export async function loadOrCreateCertificate(
  dataDir: string,
  name: string,
  options: CertificateOptions,
): Promise<StoredCertificate> {
  const pair = await loadOrCreateKeyPair(dataDir, name);
  const certPath = join(dataDir, `${name}.cert.pem`);
  let certificatePem = await readIfExists(certPath);
  if (!certificatePem) {
    const notBefore = new Date(Date.now() - 24 * 3600_000);
    const notAfter = new Date(notBefore.getTime() + (options.validityDays ?? 5 * 365) * 24 * 3600_000);
    certificatePem = mintSelfSignedCertificate({
      privateKeyPem: pair.privateKeyPem,
      subject: options.subject,
      notBefore,
      notAfter,
    }).certificatePem;
    await writeFile(certPath, certificatePem);
  }
  const cert = new X509Certificate(certificatePem);
  return {
    ...pair,
    certificatePem,
    serialNo: cert.serialNumber.toUpperCase().padStart(40, '0'),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
  };
}

/** A persisted string secret (e.g. the APIv3 key), created by `generate` the first time. */
export async function loadOrCreateSecret(
  dataDir: string,
  name: string,
  generate: () => string,
): Promise<string> {
  const path = join(dataDir, `${name}.secret`);
  const existing = await readIfExists(path);
  if (existing) return existing.trim();
  await mkdir(dataDir, { recursive: true });
  const value = generate();
  await writeFile(path, value, { mode: 0o600 });
  return value;
}

/** `length` characters of [A-Za-z0-9], e.g. a 32-char APIv3 key or a nonce. */
export function randomAlphanumeric(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

const parsedPrivateKeys = new Map<string, KeyObject>();
const parsedPublicKeys = new Map<string, KeyObject>();

function parsedOnce(
  cache: Map<string, KeyObject>,
  pem: string,
  parse: (pem: string) => KeyObject,
): KeyObject {
  let key = cache.get(pem);
  if (key === undefined) {
    key = parse(pem);
    cache.set(pem, key);
  }
  return key;
}

/**
 * The key parsed once per PEM: signing with a PEM string parses the key on every call, about a
 * third of an RSA-2048 signature's cost (measured: 1.15 ms against 0.82 ms). The simulators hold a
 * handful of keys for their lifetime.
 */
export function privateKeyOf(pem: string): KeyObject {
  return parsedOnce(parsedPrivateKeys, pem, createPrivateKey);
}

/** The same for public keys and certificates (whose public key is taken). */
export function publicKeyOf(pem: string): KeyObject {
  return parsedOnce(parsedPublicKeys, pem, createPublicKey);
}
