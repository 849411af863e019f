import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a receiver should accept a signature's timestamp from its own clock. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

function digest(secret: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
}

/**
 * The `x-signature` header of a webhook delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">` (Stripe's scheme). The timestamp is signed with the body, so a receiver can refuse
 * a replayed delivery whose timestamp is old, and a tampered one whose HMAC differs.
 */
export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  return `t=${timestampSeconds},v1=${digest(secret, timestampSeconds, body)}`;
}

/** What a receiver does (and the README shows): parse, check the clock, compare in constant time. */
export function verifyWebhook(
  secret: string,
  header: string | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS,
): boolean {
  const parts = new Map(
    (header ?? '').split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isSafeInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(digest(secret, t, body), 'hex');
  const given = Buffer.from(v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
