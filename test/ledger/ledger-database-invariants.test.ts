import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerService } from '../../src/ledger/index.js';
import { ledgerHarness, newCapturedPayment, sqlState } from './ledger-fixtures.js';

/**
 * The invariants hold against hand-written SQL too: these statements bypass the service entirely and
 * the database itself refuses them.
 */
describe('ledger invariants enforced by PostgreSQL', () => {
  let ledger: LedgerService;
  let close: () => Promise<void>;
  let db: pg.Client;
  let entryId: string;
  let clearingId: string;
  let merchantId: string;
  let usdAccountId: string;
  let inFlightId: string;

  beforeAll(async () => {
    const harness = await ledgerHarness();
    ({ ledger, close } = harness);
    db = new pg.Client({ connectionString: harness.url });
    await db.connect();
    const { entry } = await ledger.post(newCapturedPayment({ amountMinor: 1_000n, merchantId: 'm_sql' }));
    entryId = entry.id;
    clearingId = entry.postings.find((p) => p.accountCode === 'provider:wechatpay:clearing')!.accountId;
    merchantId = entry.postings.find((p) => p.accountCode === 'merchant:m_sql:payable')!.accountId;
    usdAccountId = (await ledger.ensureAccount('merchant:m_usd:payable', 'USD')).id;
    inFlightId = (await ledger.ensureAccount('refunds:wechatpay:in_flight', 'CNY')).id;
  });
  afterAll(async () => {
    await db.end();
    await close();
  });

  /** Runs statements in one transaction; the refusal may come at any statement or at COMMIT. */
  async function transaction(statements: string[]): Promise<void> {
    await db.query('begin');
    try {
      for (const statement of statements) await db.query(statement);
      await db.query('commit');
    } catch (error) {
      await db.query('rollback');
      throw error;
    }
  }

  const newEntry = (key: string) =>
    `insert into journal_entry (kind, reference_type, reference_id, idempotency_key, body_hash)
     values ('PAYMENT_CAPTURED', 'payment', '${key}', '${key}', 'x')`;
  const leg = (accountId: string, direction: 'D' | 'C', amount: number, currency = 'CNY') =>
    `insert into posting (entry_id, account_id, direction, amount_minor, currency)
     values (currval('journal_entry_id_seq'), ${accountId}, '${direction}', ${amount}, '${currency}')`;

  it.each([
    [
      'update posting',
      () => `update posting set amount_minor = amount_minor + 1 where entry_id = ${entryId}`,
    ],
    ['delete posting', () => `delete from posting where entry_id = ${entryId}`],
    ['update journal_entry', () => `update journal_entry set memo = 'rewritten' where id = ${entryId}`],
    ['delete journal_entry', () => `delete from journal_entry where id = ${entryId}`],
    ['truncate posting', () => 'truncate posting cascade'],
    ['truncate journal_entry', () => 'truncate journal_entry cascade'],
  ])('refuses to %s (append-only)', async (_, statement) => {
    const refusal = await sqlState(db.query(statement()));
    expect(refusal.code).toBe('P0001');
    expect(refusal.message).toMatch(/append-only/);
  });

  it('refuses an unbalanced entry at commit', async () => {
    const refusal = await sqlState(
      transaction([newEntry('unbalanced'), leg(clearingId, 'D', 100), leg(merchantId, 'C', 99)]),
    );
    expect(refusal).toMatchObject({ code: '23514', constraint: 'journal_entry_balanced' });
    expect(refusal.message).toMatch(/does not balance/);
  });

  it('refuses an entry with a single posting or none', async () => {
    expect(await sqlState(transaction([newEntry('one-leg'), leg(clearingId, 'D', 100)]))).toMatchObject({
      code: '23514',
      constraint: 'journal_entry_balanced',
    });
    expect(await sqlState(transaction([newEntry('no-legs')]))).toMatchObject({
      constraint: 'journal_entry_balanced',
    });
  });

  it('accepts a balanced entry written by hand, legs in separate statements (checked at commit)', async () => {
    await transaction([newEntry('by-hand'), leg(clearingId, 'D', 5), leg(merchantId, 'C', 5)]);
    expect((await ledger.balanceOf('merchant:m_sql:payable', 'CNY')).amountMinor).toBe(1_005n);
  });

  it('refuses a posting in a currency other than its account’s', async () => {
    const refusal = await sqlState(
      transaction([
        newEntry('wrong-currency'),
        leg(usdAccountId, 'D', 100, 'CNY'),
        leg(merchantId, 'C', 100),
      ]),
    );
    expect(refusal).toMatchObject({ code: '23514', constraint: 'posting_currency_matches_account' });
  });

  it('refuses a posting to an account that does not exist', async () => {
    const refusal = await sqlState(
      transaction([newEntry('ghost'), leg('987654321', 'D', 100), leg(merchantId, 'C', 100)]),
    );
    expect(refusal).toMatchObject({ code: '23503', constraint: 'posting_account_exists' });
  });

  it('refuses postings added later to an entry that was already checked', async () => {
    const refusal = await sqlState(
      transaction([
        `insert into posting (entry_id, account_id, direction, amount_minor, currency) values (${entryId}, ${clearingId}, 'D', 1, 'CNY'), (${entryId}, ${merchantId}, 'C', 2, 'CNY')`,
      ]),
    );
    expect(refusal).toMatchObject({ code: '23514', constraint: 'posting_entry_open' });
  });

  it('refuses direct changes to cached balances, and accounts born with a balance', async () => {
    for (const statement of [
      `update ledger_account set debits_minor = debits_minor + 100 where id = ${clearingId}`,
      `update ledger_account set credits_minor = 0 where id = ${merchantId}`,
      `insert into ledger_account (code, currency, type, debits_minor) values ('merchant:m_rich:payable', 'CNY', 'LIABILITY', 100)`,
    ]) {
      const refusal = await sqlState(db.query(statement));
      expect(refusal.code).toBe('P0001');
      expect(refusal.message).toMatch(/only through postings|start with zero|starts with zero/);
    }
    expect(await sqlState(db.query(`delete from ledger_account where id = ${usdAccountId}`))).toMatchObject({
      code: 'P0001',
    });
    expect(
      await sqlState(db.query(`update ledger_account set currency = 'EUR' where id = ${usdAccountId}`)),
    ).toMatchObject({
      code: 'P0001',
    });
  });

  it('refuses accounts with an unknown type, a currency that is not ISO 4217 or a negative shard', async () => {
    const cases: [string, string][] = [
      [`('merchant:m_t:payable', 'CNY', 'LIABLE', 0)`, 'ledger_account_type_check'],
      [`('merchant:m_t:payable', 'cny', 'LIABILITY', 0)`, 'ledger_account_currency_check'],
      [`('merchant:m_t:payable', 'CNY', 'LIABILITY', -1)`, 'ledger_account_shard_check'],
    ];
    for (const [values, constraint] of cases) {
      const refusal = await sqlState(
        db.query(`insert into ledger_account (code, currency, type, shard) values ${values}`),
      );
      expect(refusal).toMatchObject({ code: '23514', constraint });
    }
  });

  it('refuses to take a non-negative account below zero, even by hand', async () => {
    const refusal = await sqlState(
      transaction([newEntry('overdraw'), leg(inFlightId, 'D', 1), leg(clearingId, 'C', 1)]),
    );
    expect(refusal).toMatchObject({ code: '23514', constraint: 'ledger_account_non_negative' });
  });

  it("applies a statement's postings in order: a non-negative account may not dip below zero and come back", async () => {
    const legs = (first: 'D' | 'C', second: 'D' | 'C') =>
      `insert into posting (entry_id, account_id, direction, amount_minor, currency)
       values (currval('journal_entry_id_seq'), ${inFlightId}, '${first}', 1, 'CNY'),
              (currval('journal_entry_id_seq'), ${inFlightId}, '${second}', 1, 'CNY')`;
    const refusal = await sqlState(transaction([newEntry('dip'), legs('D', 'C')]));
    expect(refusal).toMatchObject({ code: '23514', constraint: 'ledger_account_non_negative' });
    await transaction([newEntry('no-dip'), legs('C', 'D')]);
  });

  it('refuses zero or negative posting amounts', async () => {
    const refusal = await sqlState(
      transaction([newEntry('zero'), leg(clearingId, 'D', 0), leg(merchantId, 'C', 0)]),
    );
    expect(refusal).toMatchObject({ code: '23514', constraint: 'posting_amount_positive' });
  });

  /** `ledger_post_entries` with entries `[key, [[accountId, direction, amount], …]]`, in one transaction. */
  const postEntries = (entries: [string, [string, 'D' | 'C', number][]][]) => {
    const legs = entries.flatMap(([, l], i) => l.map((leg) => [i + 1, ...leg] as const));
    return `select n, id from ledger_post_entries(
        array[${entries.map(() => `'PAYMENT_CAPTURED'`).join(', ')}]::varchar[],
        array[${entries.map(() => `'payment'`).join(', ')}]::varchar[],
        array[${entries.map(([key]) => `'${key}'`).join(', ')}]::varchar[],
        array[${entries.map(() => 'null').join(', ')}]::varchar[],
        array[${entries.map(() => 'null').join(', ')}]::bigint[],
        array[${entries.map(([key]) => `'${key}'`).join(', ')}]::varchar[],
        array[${entries.map(() => `'x'`).join(', ')}]::varchar[],
        array[${legs.map(([n]) => n).join(', ')}]::int[],
        array[${legs.map(([, account]) => account).join(', ')}]::bigint[],
        array[${legs.map(([, , direction]) => `'${direction}'`).join(', ')}]::char(1)[],
        array[${legs.map(([, , , amount]) => amount).join(', ')}]::bigint[],
        array[${legs.map(() => `'CNY'`).join(', ')}]::varchar[]) order by n`;
  };

  it('posts several entries in one call (ledger_post_entries), each once, in order, balanced', async () => {
    const before = await ledger.balanceOf('merchant:m_sql:payable', 'CNY');
    const created = await db.query<{ n: number; id: string }>(
      postEntries([
        [
          'many-1',
          [
            [clearingId, 'D', 10],
            [merchantId, 'C', 10],
          ],
        ],
        [
          'many-2',
          [
            [clearingId, 'D', 20],
            [merchantId, 'C', 20],
          ],
        ],
      ]),
    );
    expect(created.rows.map((r) => r.n)).toEqual([1, 2]);
    expect(Number(created.rows[1]!.id)).toBeGreaterThan(Number(created.rows[0]!.id));
    const again = await db.query<{ n: number; id: string }>(
      postEntries([
        [
          'many-2',
          [
            [clearingId, 'D', 20],
            [merchantId, 'C', 20],
          ],
        ],
        [
          'many-3',
          [
            [clearingId, 'D', 30],
            [merchantId, 'C', 30],
          ],
        ],
      ]),
    );
    // The existing key is left out, with its legs; the new one is entry 2 of this call.
    expect(again.rows.map((r) => r.n)).toEqual([2]);
    const postings = await db.query<{ entry_id: string; amount_minor: string }>(
      `select entry_id, amount_minor from posting where entry_id = any($1::bigint[]) order by id`,
      [[...created.rows, ...again.rows].map((r) => r.id)],
    );
    expect(postings.rows.map((p) => Number(p.amount_minor))).toEqual([10, 10, 20, 20, 30, 30]);
    const after = await ledger.balanceOf('merchant:m_sql:payable', 'CNY');
    expect(after.amountMinor - before.amountMinor).toBe(60n);
  });

  it('refuses an unbalanced entry of a call at commit, and two entries with one key', async () => {
    const unbalanced = await sqlState(
      transaction([
        postEntries([
          [
            'many-ok',
            [
              [clearingId, 'D', 5],
              [merchantId, 'C', 5],
            ],
          ],
          [
            'many-unbalanced',
            [
              [clearingId, 'D', 5],
              [merchantId, 'C', 4],
            ],
          ],
        ]),
      ]),
    );
    expect(unbalanced).toMatchObject({ code: '23514', constraint: 'journal_entry_balanced' });
    const twice = await sqlState(
      db.query(
        postEntries([
          [
            'many-twice',
            [
              [clearingId, 'D', 5],
              [merchantId, 'C', 5],
            ],
          ],
          [
            'many-twice',
            [
              [clearingId, 'D', 5],
              [merchantId, 'C', 5],
            ],
          ],
        ]),
      ),
    );
    expect(twice.code).toBe('P0001');
    expect(twice.message).toMatch(/same idempotency key/);
    const written = await db.query(
      `select 1 from journal_entry where idempotency_key in ('many-ok', 'many-unbalanced', 'many-twice')`,
    );
    expect(written.rows).toEqual([]);
  });

  it('still has a zero trial balance and exact cached balances after all of that', async () => {
    expect((await ledger.trialBalance()).every((line) => line.balanced)).toBe(true);
    expect(await ledger.cachedBalanceMismatches()).toEqual([]);
  });
});
