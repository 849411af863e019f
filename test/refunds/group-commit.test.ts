import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlOn } from '../../src/db/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { ledgerInvariants, newPaidOrder, requestRefund, type PaidOrder } from '../support/builders.js';

/**
 * Refund requests commit in groups under load (`refund_request_batch`). Each request must still get
 * all of its rows or none, whatever the others in its group do.
 */
describe('refund requests committed in groups', () => {
  let t: TestApp;
  let paid: PaidOrder[];
  const sql = () => sqlOn(t.app.orm.em.fork());

  beforeAll(async () => {
    t = await startTestApp({ simulators: true });
    paid = [];
    for (let i = 0; i < 8; i++) paid.push(await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 100_000 }));
  }, 60_000);
  afterAll(async () => t.stop());

  /** The transactions (xmin of the append-only REQUEST events) the given refunds were committed in. */
  async function transactionsOf(refundIds: string[]): Promise<number> {
    const [row] = await sql().rows<{ n: string }>(
      `select count(distinct xmin::text) as n from refund_event where source = 'REQUEST' and refund_id = any($1)`,
      [refundIds],
    );
    return Number(row!.n);
  }

  it('commits concurrent requests together, each with its event, audit record, job and ledger entry', async () => {
    const results = await Promise.all(
      Array.from({ length: 48 }, (_, i) =>
        requestRefund(t, { paymentId: paid[i % 8]!.paymentId, amountFen: 100 }),
      ),
    );
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const ids = results.map((r) => r.data!.requestRefund.refund.id);
    expect(new Set(ids).size).toBe(48);
    expect(await transactionsOf(ids)).toBeLessThan(48);

    const [counts] = await sql().rows<Record<string, string>>(
      `select (select count(*) from refund_event where refund_id = any($1) and source = 'REQUEST') as events,
              (select count(*) from audit_event where subject_id = any($1) and action = 'refund.requested') as audits,
              (select count(*) from pgboss.job where name = 'refunds.submit.ALIPAY' and data->>'refundId' = any($1)) as jobs,
              (select count(*) from journal_entry where reference_type = 'refund' and reference_id = any($1)
                 and kind = 'REFUND_APPROVED') as entries`,
      [ids],
    );
    expect(counts).toEqual({ events: '48', audits: '48', jobs: '48', entries: '48' });
    const reserved = await sql().rows<{ reserved_minor: string; refund_count: number }>(
      `select reserved_minor, refund_count from payment where id = any($1) order by id`,
      [paid.map((p) => p.paymentId)],
    );
    expect(reserved.map((p) => [p.reserved_minor, p.refund_count])).toEqual(Array(8).fill(['600', 6]));
    expect(await ledgerInvariants(t)).toEqual({ unbalanced: [], drifted: [] });
  });

  it('a request that fails inside the database fails alone; the rest of its group commits', async () => {
    // Late among 24 concurrent requests, so it waits for a slot and shares a group with others.
    const POISONED = 20;
    await sql().rows(`create function test_poison() returns trigger language plpgsql as $$
      begin raise exception 'poisoned request'; end $$`);
    await sql().rows(`create trigger test_poison before insert on refund for each row
      when (new.reason = 'poison') execute function test_poison()`);
    try {
      const before = await sql().rows<{ id: string; reserved_minor: string }>(
        `select id, reserved_minor from payment where id = any($1) order by id`,
        [paid.map((p) => p.paymentId)],
      );
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          requestRefund(t, {
            paymentId: paid[i % 8]!.paymentId,
            amountFen: 100,
            reason: i === POISONED ? 'poison' : 'food arrived cold',
          }),
        ),
      );
      const poisoned = results[POISONED]!;
      expect(poisoned.data?.requestRefund ?? null).toBeNull();
      expect(poisoned.errors?.[0]?.extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
      const ok = results.filter((_, i) => i !== POISONED);
      expect(ok.flatMap((r) => r.errors ?? [])).toEqual([]);
      // (Its group failed as a whole; its requests were then committed one by one.)

      const [left] = await sql().rows<{ n: string }>(
        `select count(*) as n from refund where reason = 'poison'`,
      );
      expect(left!.n).toBe('0');
      const after = await sql().rows<{ id: string; reserved_minor: string }>(
        `select id, reserved_minor from payment where id = any($1) order by id`,
        [paid.map((p) => p.paymentId)],
      );
      const poisonedPayment = paid[POISONED % 8]!.paymentId;
      for (const [i, payment] of after.entries()) {
        const refunds = payment.id === poisonedPayment ? 2 : 3;
        expect(BigInt(payment.reserved_minor) - BigInt(before[i]!.reserved_minor)).toBe(
          BigInt(refunds * 100),
        );
      }
      expect(await ledgerInvariants(t)).toEqual({ unbalanced: [], drifted: [] });
    } finally {
      await sql().rows(`drop trigger test_poison on refund`);
      await sql().rows(`drop function test_poison()`);
    }
  });
  it('a group of distinct payments reserves in one statement: each request is refused or created as alone', async () => {
    // One request a payment (`payment_refund_reserve_many`); every other one asks more than is left.
    const fresh: PaidOrder[] = [];
    for (let i = 0; i < 12; i++) fresh.push(await newPaidOrder(t, { channel: 'ALIPAY', amountFen: 500 }));
    const results = await Promise.all(
      fresh.map((p, i) => requestRefund(t, { paymentId: p.paymentId, amountFen: i % 2 === 0 ? 300 : 600 })),
    );
    const created = results.filter((_, i) => i % 2 === 0);
    const refused = results.filter((_, i) => i % 2 === 1);
    expect(created.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect(refused.map((r) => r.errors?.[0]?.extensions?.['code'])).toEqual(
      Array(6).fill('REFUND_EXCEEDS_REMAINING'),
    );
    const ids = created.map((r) => r.data!.requestRefund.refund.id);
    expect(created.map((r) => r.data!.requestRefund.refund.status)).toEqual(Array(6).fill('PENDING'));
    expect(await transactionsOf(ids)).toBeLessThan(6);
    const reserved = await sql().rows<{ id: string; reserved_minor: string; refund_count: number }>(
      `select id, reserved_minor, refund_count from payment where id = any($1)`,
      [fresh.map((p) => p.paymentId)],
    );
    const byId = new Map(reserved.map((p) => [p.id, [p.reserved_minor, p.refund_count]]));
    expect(fresh.map((p) => byId.get(p.paymentId))).toEqual(
      fresh.map((_, i) => (i % 2 === 0 ? ['300', 1] : ['0', 0])),
    );
    expect(await ledgerInvariants(t)).toEqual({ unbalanced: [], drifted: [] });
  });
});
