/**
 * Minimal self-signed X.509 v3 certificate minting with pure node:crypto and a tiny DER encoder.
 * Enough for the merchant API certificate and WeChat platform certificates: the real SDK parses them
 * with @fidm/x509, and node's X509Certificate reads them back. Avoids a dependency for ~80 lines.
 */
import { createPrivateKey, createPublicKey, randomBytes, sign, X509Certificate } from 'node:crypto';

const OID_SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';
const OID_OU = '2.5.4.11';
const OID_C = '2.5.4.6';

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  if (n < 0x80) return Buffer.concat([Buffer.from([tag, n]), content]);
  const lenBytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) lenBytes.unshift(v & 0xff);
  return Buffer.concat([Buffer.from([tag, 0x80 | lenBytes.length, ...lenBytes]), content]);
}

const seq = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => tlv(0x31, Buffer.concat(parts));
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const printable = (s: string): Buffer => tlv(0x13, Buffer.from(s, 'ascii'));
const derNull = (): Buffer => Buffer.from([0x05, 0x00]);

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const [a = 0, b = 0, ...rest] = parts;
  const bytes: number[] = [40 * a + b];
  for (const p of rest) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function positiveInteger(bytes: Buffer): Buffer {
  const first = bytes[0] ?? 0;
  return tlv(0x02, first & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  // RFC 5280: UTCTime up to 2049, GeneralizedTime from 2050.
  return d.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`))
    : tlv(0x18, Buffer.from(`${iso}Z`));
}

export interface DistinguishedName {
  readonly commonName: string;
  readonly organization?: string;
  readonly organizationalUnit?: string;
  readonly country?: string;
}

function name(dn: DistinguishedName): Buffer {
  const rdns: Buffer[] = [];
  if (dn.country) rdns.push(set(seq(oid(OID_C), printable(dn.country))));
  if (dn.organization) rdns.push(set(seq(oid(OID_O), utf8(dn.organization))));
  if (dn.organizationalUnit) rdns.push(set(seq(oid(OID_OU), utf8(dn.organizationalUnit))));
  rdns.push(set(seq(oid(OID_CN), utf8(dn.commonName))));
  return seq(...rdns);
}

export interface MintCertificateOptions {
  readonly privateKeyPem: string;
  readonly subject: DistinguishedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** 40 hex digits (20 bytes) like WeChat's serials; random when omitted. */
  readonly serialHex?: string;
}

/** Returns `{ certificatePem, serialNo }` with serialNo as 40 upper-case hex digits. */
export function mintSelfSignedCertificate(options: MintCertificateOptions): {
  certificatePem: string;
  serialNo: string;
} {
  const serial = options.serialHex ? Buffer.from(options.serialHex, 'hex') : randomSerial();
  const privateKey = createPrivateKey(options.privateKeyPem);
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const algorithm = seq(oid(OID_SHA256_WITH_RSA), derNull());
  const subject = name(options.subject);
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // version v3
    positiveInteger(serial),
    algorithm,
    subject, // self-signed: issuer = subject
    seq(time(options.notBefore), time(options.notAfter)),
    subject,
    spki,
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n');
  const certificatePem = `-----BEGIN CERTIFICATE-----\n${body.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  // Read it back so a malformed encoding fails here, not in a client.
  const parsed = new X509Certificate(certificatePem);
  return { certificatePem, serialNo: parsed.serialNumber.toUpperCase().padStart(40, '0') };
}

function randomSerial(): Buffer {
  const bytes = randomBytes(20);
  // Keep it positive and exactly 20 significant bytes (40 hex digits).
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x10;
  return bytes;
}
