import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './webhook-signature.js';

const SECRET = 'webhook-secret';
const BODY = '{"kind":"REFUND_SUCCEEDED"}';
const NOW = 1_800_000_000;

describe('webhook signature (t=…,v1=…)', () => {
  const header = signWebhook(SECRET, BODY, NOW);

  it('signs the timestamp with the body', () => {
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(SECRET, header, BODY, NOW + 10)).toBe(true);
  });

  it.each([
    ['a tampered body', header, `${BODY} `, NOW],
    ['another secret', signWebhook('other', BODY, NOW), BODY, NOW],
    ['a replay six minutes later', header, BODY, NOW + 360],
    ['a timestamp moved forward', header.replace('t=1800000000', 't=1800000300'), BODY, NOW + 300],
    ['no header', undefined, BODY, NOW],
    ['garbage', 't=x,v1=zz', BODY, NOW],
  ])('refuses %s', (_what, given, body, now) => {
    expect(verifyWebhook(SECRET, given, body, now)).toBe(false);
  });
});
