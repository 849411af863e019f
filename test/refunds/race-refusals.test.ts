import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlOn } from '../../src/db/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { ledgerInvariants, newPaidOrder, requestRefund, type PaidOrder } from '../support/builders.js';

/**
 * Refunds racing for one payment, each sent several times with its idempotency key (a client
 * retrying, or two agents clicking), share group commits. A refusal must mean the money is not
 * there: duplicate copies of one key must not hold reservations that starve the other refunds.
 */
describe('racing refunds with duplicate keys', () => {
  let t: TestApp;
  const ROUNDS = 3; // each on fresh payments
  const PAYMENTS = 12;
  const SIZE_FEN = 1_000;
  const FIT = 3; // each payment holds exactly this many refunds
  const COPIED = 2; // refunds per payment sent several times with one key
  const COPIES = 4; // concurrent requests per copied key
  const SINGLE = 4; // refunds per payment sent once

  beforeAll(async () => {
    t = await startTestApp({ simulators: true });
  }, 60_000);
  afterAll(async () => t.stop());

  it.each(Array.from({ length: ROUNDS }, (_, i) => i + 1))(
    'round %i: exactly the refunds that fit succeed; every refusal is short of money; never an over-refund',
    async () => {
      const paid: PaidOrder[] = [];
      for (let i = 0; i < PAYMENTS; i++) {
        paid.push(await newPaidOrder(t, { channel: 'ALIPAY', amountFen: FIT * SIZE_FEN }));
      }
      const requests = paid.flatMap((p) =>
        Array.from({ length: COPIED + SINGLE }, () => `race-${randomUUID()}`).flatMap((key, i) =>
          Array.from({ length: i < COPIED ? COPIES : 1 }, () => ({ payment: p, key })),
        ),
      );
      // Interleaved so that copies of one key and refunds of one payment land in the same groups.
      requests.sort(() => Math.random() - 0.5);
      const results = await Promise.all(
        requests.map(async (r) => ({
          ...r,
          result: await requestRefund(t, {
            paymentId: r.payment.paymentId,
            idempotencyKey: r.key,
            amountFen: SIZE_FEN,
          }),
        })),
      );

      const refusals = results.flatMap((r) => r.result.errors ?? []);
      expect(new Set(refusals.map((e) => e.extensions?.['code']))).toEqual(
        new Set(refusals.length > 0 ? ['REFUND_EXCEEDS_REMAINING'] : []),
      );
      const shortOfMoney = refusals.filter((e) => {
        const remaining = (e.extensions?.['details'] as { remaining: string }).remaining;
        return Math.round(Number(remaining) * 100) < SIZE_FEN;
      });
      expect(shortOfMoney.length).toBe(refusals.length);

      for (const p of paid) {
        const mine = results.filter((r) => r.payment === p);
        const refundIds = new Set(mine.flatMap((r) => r.result.data?.requestRefund.refund.id ?? []));
        expect(refundIds.size).toBe(FIT);
        // Every copy of a key that got a refund answers with that one refund.
        for (const key of new Set(mine.map((r) => r.key))) {
          const ids = mine.filter((r) => r.key === key).map((r) => r.result.data?.requestRefund.refund.id);
          expect(new Set(ids).size).toBe(1);
        }
      }
      const rows = await sqlOn(t.app.orm.em.fork()).rows<{ id: string; reserved_minor: string; n: string }>(
        `select p.id, p.reserved_minor, (select count(*) from refund r where r.payment_id = p.id) as n
         from payment p where p.id = any($1)`,
        [paid.map((p) => p.paymentId)],
      );
      expect(rows.map((r) => [r.reserved_minor, r.n])).toEqual(
        Array(PAYMENTS).fill([String(FIT * SIZE_FEN), String(FIT)]),
      );
      expect(await ledgerInvariants(t)).toEqual({ unbalanced: [], drifted: [] });
    },
    60_000,
  );
});
