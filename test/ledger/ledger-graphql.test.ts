import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentCaptured, refundApproved, type LedgerService } from '../../src/ledger/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { cny } from './ledger-fixtures.js';

const FINANCE = { role: 'FINANCE', sub: 'fin_1' } as const;
const ADMIN = { role: 'ADMIN', sub: 'adm_1' } as const;
const MERCHANT_A = { role: 'MERCHANT', sub: 'm_a' } as const;
const RIDER = { role: 'RIDER', sub: 'r_1' } as const;

const ACCOUNT_FIELDS =
  'id code currency type ownerKind ownerId nonNegative balance { amount minor currency }';
const ACCOUNTS = `query($first: Int, $after: String, $ownerKind: AccountOwnerKind, $type: AccountType, $currency: String) {
  accounts(first: $first, after: $after, ownerKind: $ownerKind, type: $type, currency: $currency) {
    edges { cursor node { ${ACCOUNT_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;
const ENTRIES = `query($first: Int, $after: String, $referenceType: String, $referenceId: String, $accountCode: String, $currency: String, $from: DateTimeISO, $to: DateTimeISO) {
  journalEntries(first: $first, after: $after, referenceType: $referenceType, referenceId: $referenceId, accountCode: $accountCode, currency: $currency, from: $from, to: $to) {
    edges { node { id kind referenceType referenceId createdAt postings { accountCode direction amount { amount minor currency } } } }
    pageInfo { hasNextPage endCursor } } }`;
const STATEMENT = `query($code: String!, $currency: String!, $first: Int, $after: String) {
  accountStatement(code: $code, currency: $currency, first: $first, after: $after) {
    edges { node { entryKind referenceId direction amount { amount } runningBalance { amount minor } } }
    pageInfo { hasNextPage endCursor } } }`;

interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
interface AccountNode {
  code: string;
  currency: string;
  type: string;
  ownerId: string | null;
  balance: { amount: string; minor: string; currency: string };
}
interface EntryNode {
  id: string;
  kind: string;
  referenceId: string;
  postings: { accountCode: string; direction: string; amount: { amount: string } }[];
}

describe('ledger over GraphQL (real HTTP)', () => {
  let app: TestApp;
  let ledger: LedgerService;

  beforeAll(async () => {
    app = await startTestApp({ role: 'api' });
    ledger = app.app.services.ledger;
    await ledger.post(
      paymentCaptured({ paymentId: 'pay_1', provider: 'alipay', merchantId: 'm_a', amount: cny(1_230) }),
    );
    await ledger.post(
      paymentCaptured({
        paymentId: 'pay_2',
        provider: 'alipay',
        merchantId: 'm_a',
        amount: cny(5_000),
        commission: cny(500),
        rider: { riderId: 'r_1', amount: cny(700) },
      }),
    );
    await ledger.post(
      paymentCaptured({ paymentId: 'pay_3', provider: 'wechatpay', merchantId: 'm_b', amount: cny(990) }),
    );
    await ledger.post(
      refundApproved({
        refundId: 'rf_1',
        provider: 'alipay',
        amount: cny(230),
        liable: { kind: 'MERCHANT', id: 'm_a' },
      }),
    );
  });
  afterAll(async () => app?.stop());

  async function data<T>(
    query: string,
    variables: Record<string, unknown>,
    token: { role: string; sub: string },
  ): Promise<T> {
    const response = await app.gql<T>(query, variables, token as never);
    expect(response.errors).toBeUndefined();
    return response.data!;
  }

  async function errorCode(
    query: string,
    variables: Record<string, unknown>,
    token?: { role: string; sub: string },
  ) {
    const response = await app.gql(query, variables, token as never);
    return response.errors?.[0]?.extensions?.['code'];
  }

  it('proves the trial balance to finance, with money as strings', async () => {
    const { trialBalance } = await data<{ trialBalance: Record<string, unknown>[] }>(
      '{ trialBalance { currency balanced totalDebits { amount minor currency } totalCredits { amount minor currency } } }',
      {},
      FINANCE,
    );
    expect(trialBalance).toEqual([
      {
        currency: 'CNY',
        balanced: true,
        totalDebits: { amount: '74.50', minor: '7450', currency: 'CNY' },
        totalCredits: { amount: '74.50', minor: '7450', currency: 'CNY' },
      },
    ]);
  });

  it('pages through every account with cursors, without overlap', async () => {
    const all: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const { accounts }: { accounts: Connection<AccountNode> } = await data(
        ACCOUNTS,
        { first: 2, after },
        ADMIN,
      );
      all.push(...accounts.edges.map((e) => `${e.node.code}/${e.node.currency}`));
      if (!accounts.pageInfo.hasNextPage) break;
      expect(accounts.edges).toHaveLength(2);
      after = accounts.pageInfo.endCursor;
    }
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(
      [
        'merchant:m_a:payable',
        'merchant:m_b:payable',
        'platform:commission',
        'platform:compensation',
        'provider:alipay:clearing',
        'provider:wechatpay:clearing',
        'refunds:alipay:in_flight',
        'rider:r_1:payable',
      ]
        .filter((code) => code !== 'platform:compensation')
        .map((code) => `${code}/CNY`)
        .sort(),
    );
  });

  it('filters accounts by owner kind, type and currency', async () => {
    const merchants = await data<{ accounts: Connection<AccountNode> }>(
      ACCOUNTS,
      { ownerKind: 'MERCHANT' },
      FINANCE,
    );
    expect(merchants.accounts.edges.map((e) => e.node.ownerId).sort()).toEqual(['m_a', 'm_b']);
    const assets = await data<{ accounts: Connection<AccountNode> }>(ACCOUNTS, { type: 'ASSET' }, FINANCE);
    expect(assets.accounts.edges.map((e) => e.node.code).sort()).toEqual([
      'provider:alipay:clearing',
      'provider:wechatpay:clearing',
    ]);
    const usd = await data<{ accounts: Connection<AccountNode> }>(ACCOUNTS, { currency: 'USD' }, FINANCE);
    expect(usd.accounts.edges).toEqual([]);
  });

  it('shows a merchant only its own accounts, entries and legs', async () => {
    const { accounts } = await data<{ accounts: Connection<AccountNode> }>(ACCOUNTS, {}, MERCHANT_A);
    expect(accounts.edges.map((e) => [e.node.code, e.node.balance.amount])).toEqual([
      ['merchant:m_a:payable', '48.00'],
    ]);
    // An owner filter for someone else is ignored, not obeyed.
    const spoofed = await data<{ accounts: Connection<AccountNode> }>(
      ACCOUNTS,
      { ownerKind: 'RIDER' },
      MERCHANT_A,
    );
    expect(spoofed.accounts.edges.map((e) => e.node.code)).toEqual(['merchant:m_a:payable']);

    const own = await data<{ account: AccountNode | null }>(
      'query { account(code: "merchant:m_a:payable", currency: "CNY") { code balance { amount } } }',
      {},
      MERCHANT_A,
    );
    expect(own.account).toEqual({ code: 'merchant:m_a:payable', balance: { amount: '48.00' } });
    expect(
      await errorCode(
        'query { account(code: "merchant:m_b:payable", currency: "CNY") { code } }',
        {},
        MERCHANT_A,
      ),
    ).toBe('FORBIDDEN');
    expect(
      await errorCode(
        'query { account(code: "platform:commission", currency: "CNY") { code } }',
        {},
        MERCHANT_A,
      ),
    ).toBe('FORBIDDEN');

    const { journalEntries } = await data<{ journalEntries: Connection<EntryNode> }>(ENTRIES, {}, MERCHANT_A);
    expect(journalEntries.edges.map((e) => e.node.referenceId)).toEqual(['rf_1', 'pay_2', 'pay_1']);
    for (const { node } of journalEntries.edges) {
      expect(node.postings.every((p) => p.accountCode === 'merchant:m_a:payable')).toBe(true);
    }
    expect(
      await errorCode(ENTRIES, { accountCode: 'merchant:m_b:payable', currency: 'CNY' }, MERCHANT_A),
    ).toBe('FORBIDDEN');
  });

  it('lets a rider read its payable, and nobody else’s', async () => {
    const { accounts } = await data<{ accounts: Connection<AccountNode> }>(ACCOUNTS, {}, RIDER);
    expect(accounts.edges.map((e) => [e.node.code, e.node.balance.minor])).toEqual([
      ['rider:r_1:payable', '700'],
    ]);
    expect(await errorCode(STATEMENT, { code: 'merchant:m_a:payable', currency: 'CNY' }, RIDER)).toBe(
      'FORBIDDEN',
    );
  });

  it('keeps the ledger from support, service and anonymous callers; trial balance is finance-only', async () => {
    expect(await errorCode(ACCOUNTS, {}, { role: 'SUPPORT', sub: 's_1' })).toBe('FORBIDDEN');
    expect(await errorCode(ACCOUNTS, {}, { role: 'SERVICE', sub: 'orders' })).toBe('FORBIDDEN');
    expect(await errorCode(ACCOUNTS, {})).toBe('UNAUTHENTICATED');
    expect(await errorCode('{ trialBalance { currency } }', {}, MERCHANT_A)).toBe('FORBIDDEN');
  });

  it('filters journal entries by reference, account and time, newest first, in pages', async () => {
    const byReference = await data<{ journalEntries: Connection<EntryNode> }>(
      ENTRIES,
      { referenceType: 'payment', referenceId: 'pay_2' },
      FINANCE,
    );
    expect(byReference.journalEntries.edges.map((e) => [e.node.kind, e.node.postings.length])).toEqual([
      ['PAYMENT_CAPTURED', 4],
    ]);

    const byAccount = await data<{ journalEntries: Connection<EntryNode> }>(
      ENTRIES,
      { accountCode: 'provider:alipay:clearing', currency: 'CNY' },
      FINANCE,
    );
    expect(byAccount.journalEntries.edges.map((e) => e.node.referenceId)).toEqual(['pay_2', 'pay_1']);

    const future = await data<{ journalEntries: Connection<EntryNode> }>(
      ENTRIES,
      { from: '2999-01-01T00:00:00Z' },
      FINANCE,
    );
    expect(future.journalEntries.edges).toEqual([]);
    const past = await data<{ journalEntries: Connection<EntryNode> }>(
      ENTRIES,
      { to: '2999-01-01T00:00:00Z' },
      FINANCE,
    );
    expect(past.journalEntries.edges).toHaveLength(4);

    const first = await data<{ journalEntries: Connection<EntryNode> }>(ENTRIES, { first: 3 }, FINANCE);
    expect(first.journalEntries.pageInfo.hasNextPage).toBe(true);
    const rest = await data<{ journalEntries: Connection<EntryNode> }>(
      ENTRIES,
      { first: 3, after: first.journalEntries.pageInfo.endCursor },
      FINANCE,
    );
    expect(rest.journalEntries.edges.map((e) => e.node.referenceId)).toEqual(['pay_1']);
    expect(rest.journalEntries.pageInfo.hasNextPage).toBe(false);
    expect(await errorCode(ENTRIES, { after: 'not-a-cursor' }, FINANCE)).toBe('BAD_USER_INPUT');
    expect(await errorCode(ENTRIES, { first: 1000 }, FINANCE)).toBe('BAD_USER_INPUT');
  });

  it('gives an account statement with a running balance across pages', async () => {
    const lines: {
      referenceId: string;
      direction: string;
      amount: { amount: string };
      runningBalance: { amount: string };
    }[] = [];
    let after: string | null = null;
    do {
      const { accountStatement }: { accountStatement: Connection<(typeof lines)[number]> } = await data(
        STATEMENT,
        { code: 'merchant:m_a:payable', currency: 'CNY', first: 2, after },
        MERCHANT_A,
      );
      lines.push(...accountStatement.edges.map((e) => e.node));
      after = accountStatement.pageInfo.hasNextPage ? accountStatement.pageInfo.endCursor : null;
    } while (after !== null);
    expect(lines.map((l) => [l.referenceId, l.direction, l.amount.amount, l.runningBalance.amount])).toEqual([
      ['pay_1', 'CREDIT', '12.30', '12.30'],
      ['pay_2', 'CREDIT', '38.00', '50.30'],
      ['rf_1', 'DEBIT', '2.30', '48.00'],
    ]);
    expect(await errorCode(STATEMENT, { code: 'merchant:m_zz:payable', currency: 'CNY' }, FINANCE)).toBe(
      'ACCOUNT_NOT_FOUND',
    );
  });
});
