import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HOT_ACCOUNT_SHARDS,
  LedgerError,
  accountCodes,
  refundApproved,
  refundReleased,
  refundSucceeded,
  shardOf,
  type LedgerService,
} from '../../src/ledger/index.js';
import { cny, ledgerHarness, newCapturedPayment, sqlState, uniqueId } from './ledger-fixtures.js';

const CLEARING = accountCodes.providerClearing('wechatpay');
const IN_FLIGHT = accountCodes.refundsInFlight('wechatpay'); // non-negative, sharded
const PLATFORM = { kind: 'PLATFORM' } as const;

/**
 * Hot accounts are spread over several rows so concurrent posters do not queue on one row lock; the
 * logical account, its balance, statement and invariants must look exactly as with a single row.
 */
describe('ledger hot-account shards', () => {
  let ledger: LedgerService;
  let close: () => Promise<void>;
  let db: pg.Client;

  beforeAll(async () => {
    const harness = await ledgerHarness(40);
    ({ ledger, close } = harness);
    db = new pg.Client({ connectionString: harness.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await close();
  });

  async function shardRows(code: string) {
    const { rows } = await db.query<{ id: string; shard: number; debits: string; credits: string }>(
      `select id, shard, debits_minor as debits, credits_minor as credits
         from ledger_account where code = $1 and currency = 'CNY' order by shard`,
      [code],
    );
    return rows;
  }

  /** Shards of `code` that the postings of entries with this reference id went to. */
  async function shardsUsedBy(referenceId: string, code: string): Promise<number[]> {
    const { rows } = await db.query<{ shard: number }>(
      `select distinct a.shard from journal_entry e join posting p on p.entry_id = e.id
         join ledger_account a on a.id = p.account_id
        where e.reference_id = $1 and a.code = $2`,
      [referenceId, code],
    );
    return rows.map((r) => r.shard);
  }

  it('spreads a hot account’s postings over its shards and presents one logical account', async () => {
    const payments = Array.from({ length: 40 }, (_, i) => ({
      id: uniqueId('pay'),
      amount: 100n + BigInt(i),
    }));
    for (const p of payments) {
      await ledger.post(
        newCapturedPayment({ amountMinor: p.amount, paymentId: p.id, merchantId: 'm_shard' }),
      );
    }
    const rows = await shardRows(CLEARING);
    expect(rows.map((r) => r.shard)).toEqual([...Array(HOT_ACCOUNT_SHARDS).keys()]);
    expect(rows.filter((r) => BigInt(r.debits) > 0n).length).toBeGreaterThan(HOT_ACCOUNT_SHARDS / 2);
    for (const p of payments) {
      expect(await shardsUsedBy(p.id, CLEARING)).toEqual([shardOf(p.id, HOT_ACCOUNT_SHARDS)]);
    }

    const account = (await ledger.findAccount(CLEARING, 'CNY'))!;
    const sum = rows.reduce((s, r) => s + BigInt(r.debits) - BigInt(r.credits), 0n);
    expect(account.balance.amountMinor).toBe(sum);
    expect(account.id).toBe(rows[0]!.id); // the logical account is known by its shard-0 row
    expect(await ledger.balanceOf(CLEARING, 'CNY')).toEqual(account.balance);

    // Listed once; postings report the logical account id whatever shard they hit.
    const listed = await ledger.listAccounts({ kind: 'ALL' }, {}, { first: 100, afterId: null });
    expect(listed.items.filter((a) => a.code === CLEARING)).toEqual([account]);
    const { items: entries } = await ledger.listEntries(
      { kind: 'ALL' },
      { account: { code: CLEARING, currency: 'CNY' } },
      { first: 100, afterId: null },
    );
    expect(entries).toHaveLength(payments.length);
    for (const e of entries) {
      expect(e.postings.find((p) => p.accountCode === CLEARING)!.accountId).toBe(account.id);
    }

    // The statement covers every shard in posting-id order, with a running balance ending at the sum,
    // also across pages.
    const lines = [];
    let afterId: string | null = null;
    for (;;) {
      const page = await ledger.statement({ kind: 'ALL' }, CLEARING, 'CNY', { first: 7, afterId });
      lines.push(...page.items);
      if (!page.hasNextPage) break;
      afterId = page.items.at(-1)!.postingId;
    }
    expect(lines).toHaveLength(payments.length);
    const ids = lines.map((l) => BigInt(l.postingId));
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
    let running = 0n;
    for (const line of lines) {
      running += line.amount.amountMinor;
      expect(line.runningBalance.amountMinor).toBe(running);
    }
    expect(running).toBe(account.balance.amountMinor);
    expect(await ledger.cachedBalanceMismatches()).toEqual([]);
    expect((await ledger.trialBalance()).every((l) => l.balanced)).toBe(true);
  });

  it('keeps a refund’s approved, succeeded, released and reversal entries on one in-flight shard', async () => {
    const settled = uniqueId('rf');
    const released = uniqueId('rf');
    const reversed = uniqueId('rf');
    const movement = (refundId: string) => ({
      refundId,
      provider: 'wechatpay' as const,
      amount: cny(500),
      liable: PLATFORM,
    });
    await ledger.post(refundApproved(movement(settled)));
    await ledger.post(refundSucceeded(movement(settled)));
    await ledger.post(refundApproved(movement(released)));
    await ledger.post(refundReleased(movement(released)));
    const { entry } = await ledger.post(refundApproved(movement(reversed)));
    await ledger.reverse(entry.id, 'approved by mistake');

    for (const id of [settled, released]) {
      expect(await shardsUsedBy(id, IN_FLIGHT)).toEqual([shardOf(id, HOT_ACCOUNT_SHARDS)]);
    }
    const { rows } = await db.query<{ shard: number }>(
      `select distinct a.shard from posting p join ledger_account a on a.id = p.account_id
        where p.entry_id in ($1, (select id from journal_entry where reverses_entry_id = $1)) and a.code = $2`,
      [entry.id, IN_FLIGHT],
    );
    expect(rows).toEqual([{ shard: shardOf(reversed, HOT_ACCOUNT_SHARDS) }]);
    expect(await ledger.cachedBalanceMismatches()).toEqual([]);
  });

  it('draws a refund down from the shard its approval credited, e.g. a balance from before sharding', async () => {
    // An approval posted before the migration sits on shard 0; pick a refund id hashing elsewhere.
    let refundId = uniqueId('rf');
    while (shardOf(refundId, HOT_ACCOUNT_SHARDS) === 0) refundId = uniqueId('rf');
    await ledger.ensureAccount(IN_FLIGHT, 'CNY');
    const shard0 = (await shardRows(IN_FLIGHT))[0]!.id;
    const compensation = (await ledger.ensureAccount(accountCodes.platformCompensation(), 'CNY')).id;
    await db.query('begin');
    await db.query(
      `insert into journal_entry (kind, reference_type, reference_id, idempotency_key, body_hash)
       values ('REFUND_APPROVED', 'refund', $1, $2, 'legacy')`,
      [refundId, `legacy:${refundId}`],
    );
    for (const [account, direction] of [
      [compensation, 'D'],
      [shard0, 'C'],
    ]) {
      await db.query(
        `insert into posting (entry_id, account_id, direction, amount_minor, currency)
         values (currval('journal_entry_id_seq'), $1, $2, 700, 'CNY')`,
        [account, direction],
      );
    }
    await db.query('commit');

    await ledger.post(refundSucceeded({ refundId, provider: 'wechatpay', amount: cny(700) }));
    expect(await shardsUsedBy(refundId, IN_FLIGHT)).toEqual([0]);
  });

  it('refuses overdraft per shard, hence per logical account, under 32 concurrent posters', async () => {
    const refunds = Array.from({ length: 16 }, () => uniqueId('rf'));
    const approved = 1_000n;
    const before = (await ledger.balanceOf(IN_FLIGHT, 'CNY')).amountMinor;
    for (const refundId of refunds) {
      await ledger.post(
        refundApproved({ refundId, provider: 'wechatpay', amount: cny(approved), liable: PLATFORM }),
      );
    }
    // Two posters per refund each try to settle 600 of its 1 000, and every shard already holds what
    // the previous tests left there: some must be refused, and no shard may go below zero.
    const attempts = Array.from({ length: 32 }, (_, i) => refunds[i % refunds.length]!);
    const outcomes = await Promise.all(
      attempts.map(async (refundId, i): Promise<bigint> => {
        try {
          await ledger.post({
            ...refundSucceeded({ refundId, provider: 'wechatpay', amount: cny(600) }),
            idempotencyKey: `drain:${refundId}:${i}`,
          });
          return 600n;
        } catch (error) {
          if (!(error instanceof LedgerError) || error.code !== 'INSUFFICIENT_FUNDS') throw error;
          return 0n;
        }
      }),
    );
    const settled = outcomes.reduce((s, n) => s + n, 0n);
    expect(outcomes.filter((n) => n === 0n).length).toBeGreaterThan(0);
    const balance = (await ledger.balanceOf(IN_FLIGHT, 'CNY')).amountMinor;
    expect(balance).toBe(before + approved * BigInt(refunds.length) - settled);
    expect(balance >= 0n).toBe(true);
    for (const row of await shardRows(IN_FLIGHT)) {
      expect(BigInt(row.credits) - BigInt(row.debits) >= 0n).toBe(true);
    }
    expect(await ledger.cachedBalanceMismatches()).toEqual([]);
    expect((await ledger.trialBalance()).every((l) => l.balanced)).toBe(true);
  }, 60_000);

  it('keeps shards immutable and consistent with each other, in the database', async () => {
    await ledger.ensureAccount(CLEARING, 'CNY');
    const [first, second] = await shardRows(CLEARING);
    expect(
      await sqlState(db.query(`update ledger_account set shard = 99 where id = $1`, [second!.id])),
    ).toMatchObject({ code: 'P0001' });
    expect(
      await sqlState(
        db.query(
          `insert into ledger_account (code, currency, shard, type) values ($1, 'CNY', 42, 'LIABILITY')`,
          [CLEARING],
        ),
      ),
    ).toMatchObject({ code: '23514', constraint: 'ledger_account_shards_agree' });
    expect(
      await sqlState(
        db.query(`insert into ledger_account (code, currency, shard, type) values ($1, 'CNY', 0, 'ASSET')`, [
          CLEARING,
        ]),
      ),
    ).toMatchObject({ code: '23505' });
    expect(first!.shard).toBe(0);
  });
});
