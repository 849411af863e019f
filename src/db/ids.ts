import { randomFillSync } from 'node:crypto';

/**
 * Every id that comes from outside (orders, customers, merchants, riders, and our own ids echoed
 * back): the ledger embeds owner ids in account codes, so this one pattern holds at every edge.
 */
export const EXTERNAL_ID = /^[A-Za-z0-9_-]{1,64}$/;

const ENTROPY_POOL_BYTES = 4096;
let entropy = Buffer.alloc(0);
let used = 0;

/** 10 bytes from the CSPRNG, drawn from a pool filled 4 KiB at a time (each byte handed out once). */
function randomTenBytes(target: Buffer, offset: number): void {
  if (used + 10 > entropy.length) {
    entropy = randomFillSync(Buffer.allocUnsafe(ENTROPY_POOL_BYTES));
    used = 0;
  }
  entropy.copy(target, offset, used, used + 10);
  used += 10;
}

/**
 * Time-ordered ids (UUIDv7 layout, hex without dashes) behind a readable prefix: `rf_01937c…`.
 * Time order keeps b-tree inserts local; the prefix makes logs and support tickets readable.
 * The result is ≤ 64 characters of [0-9a-z_], valid as a WeChat out_refund_no and an Alipay out_request_no.
 * 48 bits of milliseconds, then 74 random bits (version and variant take the other six).
 */
export function newId(prefix: string): string {
  const bytes = Buffer.allocUnsafe(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  randomTenBytes(bytes, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return `${prefix}_${bytes.toString('hex')}`;
}
