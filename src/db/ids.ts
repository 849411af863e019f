import { randomBytes } from 'node:crypto';

/**
 * Time-ordered ids (UUIDv7 layout, hex without dashes) behind a readable prefix: `rf_01937c…`.
 * Time order keeps b-tree inserts local; the prefix makes logs and support tickets readable.
 * The result is ≤ 64 characters of [0-9a-z_], valid as a WeChat out_refund_no and an Alipay out_request_no.
 */
export function newId(prefix: string): string {
  const bytes = randomBytes(16);
  const ms = BigInt(Date.now());
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return `${prefix}_${bytes.toString('hex')}`;
}
