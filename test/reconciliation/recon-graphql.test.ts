import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, tokenFor, type TestApp } from '../support/app.js';
import { newPaidOrder } from '../support/builders.js';
import { businessToday, MIDNIGHT_WAIT_MS } from './recon.fixtures.js';

/** Finance over GraphQL and the CSV report: runs, figures, filters, resolutions (audited), access. */
const FINANCE = { role: 'FINANCE', sub: 'fin_1' } as const;
const SUPPORT = { role: 'SUPPORT', sub: 'agent_1' } as const;

let t: TestApp;
let today: string;
let runId: string;

const RUN_FIELDS = `id provider billDate status current fileSha256
  statement { rows paymentCount paymentTotal { amount } refundCount refundTotal { amount } feeTotal { amount } }
  ledger { paymentCount paymentTotal { amount } refundCount }
  matchedCount matchedTotal { amount }
  clearing { opening { amount } debits { amount } credits { amount } closing { amount } providerNet { amount } difference { amount } balanced }
  categories { category count total { amount } open }`;

const ITEM_FIELDS = `id category kind matchKey status ageDays ageBucket amount { amount } clearingDelta { minor }
  statementLine resolution resolutionNote adjustmentEntryId linkedType linkedId`;

interface Item {
  id: string;
  category: string;
  matchKey: string;
  status: string;
  ageBucket: string | null;
  clearingDelta: { minor: string };
  adjustmentEntryId: string | null;
}

async function items(filter: Record<string, unknown>): Promise<Item[]> {
  const res = await t.gql<{ discrepancies: { edges: { node: Item }[] } }>(
    `query($f: DiscrepancyFilter) { discrepancies(first: 50, filter: $f) { edges { node { ${ITEM_FIELDS} } } } }`,
    { f: filter },
    FINANCE,
  );
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.discrepancies.edges.map((e) => e.node);
}

const resolve = (input: Record<string, unknown>, who: { role: string; sub: string } = FINANCE) =>
  t.gql<{ resolveDiscrepancy: Item }>(
    `mutation($i: ResolveDiscrepancyInput!) { resolveDiscrepancy(input: $i) { ${ITEM_FIELDS} } }`,
    { i: input },
    who as never,
  );

beforeAll(async () => {
  ({ today } = await businessToday());
  t = await startTestApp({ simulators: true });
  const wx = t.app.simulators!.wechatpay!;
  const a = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 10_000 });
  const b = await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 20_000 });
  await newPaidOrder(t, { channel: 'WECHAT_PAY', amountFen: 3_000 });
  wx.sim.editStatement(today, { op: 'alterRows', outTradeNo: b.outTradeNo, amountFen: 20_500 });
  wx.sim.editStatement(today, {
    op: 'addRow',
    kind: 'REFUND',
    outTradeNo: a.outTradeNo,
    outRefundNo: '=HYPERLINK("http://evil")',
    refundId: '50300908092024050118032965100',
    amountFen: 1_000,
    tradeTime: `${today}T11:00:00+08:00`,
  });
  wx.sim.setBillReadyTime(today, new Date(0));
  const res = await t.gql<{ runReconciliation: { status: string; run: { id: string } } }>(
    `mutation($d: String!) { runReconciliation(provider: wechatpay, billDate: $d) { status run { id } } }`,
    { d: today },
    FINANCE,
  );
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  runId = res.data!.runReconciliation.run.id;
}, MIDNIGHT_WAIT_MS + 90_000);

afterAll(async () => t?.stop());

describe('reconciliation over GraphQL', () => {
  it('only FINANCE and ADMIN see runs; others get FORBIDDEN', async () => {
    for (const who of [SUPPORT, { role: 'CUSTOMER', sub: 'c_1' }, { role: 'MERCHANT', sub: 'm_1' }]) {
      const res = await t.gql(`{ reconciliationRuns(first: 5) { edges { node { id } } } }`, {}, who as never);
      expect(res.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    }
    const admin = await t.gql(
      `{ reconciliationRuns(first: 5) { edges { node { id } } } }`,
      {},
      { role: 'ADMIN', sub: 'a' },
    );
    expect(admin.errors).toBeUndefined();
  });

  it('a run’s summary: totals on both sides, matched, categories, clearing roll-forward', async () => {
    const res = await t.gql<{ reconciliationRun: Record<string, unknown> }>(
      `query($id: ID!) { reconciliationRun(id: $id) { ${RUN_FIELDS} } }`,
      { id: runId },
      FINANCE,
    );
    const run = res.data!.reconciliationRun;
    expect(run).toMatchObject({
      provider: 'wechatpay',
      billDate: today,
      status: 'COMPLETED',
      current: true,
      statement: {
        rows: 4,
        paymentCount: 3,
        paymentTotal: { amount: '335.00' },
        refundCount: 1,
        refundTotal: { amount: '10.00' },
      },
      ledger: { paymentCount: 3, paymentTotal: { amount: '330.00' }, refundCount: 0 },
      matchedCount: 2,
      matchedTotal: { amount: '130.00' },
    });
    expect(run['fileSha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(run['clearing']).toMatchObject({
      debits: { amount: '330.00' },
      providerNet: { amount: '325.00' },
      difference: { amount: '5.00' },
      balanced: true,
    });
    expect(run['categories']).toEqual([
      { category: 'AMOUNT_MISMATCH', count: 1, total: { amount: '5.00' }, open: 1 },
      { category: 'MISSING_IN_LEDGER', count: 1, total: { amount: '10.00' }, open: 1 },
    ]);
    const missing = await t.gql(`{ reconciliationRun(id: "rcr_nope") { id } }`, {}, FINANCE);
    expect(missing.data).toEqual({ reconciliationRun: null });
  });

  it('filters by category, status and age; unresolved items carry an age bucket', async () => {
    const amount = await items({ category: 'AMOUNT_MISMATCH' });
    expect(amount).toHaveLength(1);
    expect(amount[0]).toMatchObject({ status: 'OPEN', ageBucket: 'D0_1' });
    expect(await items({ runId, status: 'OPEN' })).toHaveLength(2);
    expect(await items({ minAgeDays: 2 })).toHaveLength(0);
    const bad = await t.gql(
      `{ discrepancies(filter: { minAgeDays: -1 }) { edges { node { id } } } }`,
      {},
      FINANCE,
    );
    expect(bad.errors?.[0]?.extensions?.['code']).toBe('INVALID_FILTER');
  });

  it('resolve: an adjustment needs a note, posts a balanced entry against suspense, is audited, and happens once', async () => {
    const [item] = await items({ category: 'AMOUNT_MISMATCH' });
    const noNote = await resolve({ id: item!.id, action: 'ADJUST', note: '  ' });
    expect(noNote.errors?.[0]?.extensions?.['code']).toBe('NOTE_REQUIRED');
    const bySupport = await resolve({ id: item!.id, action: 'ADJUST', note: 'x' }, SUPPORT);
    expect(bySupport.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const done = await resolve({
      id: item!.id,
      action: 'ADJUST',
      note: 'provider charged 5.00 more; claim filed',
    });
    expect(done.errors).toBeUndefined();
    expect(done.data!.resolveDiscrepancy).toMatchObject({
      status: 'RESOLVED',
      resolution: 'ADJUSTMENT',
      ageBucket: null,
    });
    const entryId = done.data!.resolveDiscrepancy.adjustmentEntryId!;
    const entry = await t.gql<{
      journalEntries: {
        edges: {
          node: {
            id: string;
            kind: string;
            postings: { accountCode: string; direction: string; amount: { amount: string } }[];
          };
        }[];
      };
    }>(
      `{ journalEntries(first: 5, referenceType: "recon_item", referenceId: "${item!.id}") { edges { node { id kind postings { accountCode direction amount { amount } } } } } }`,
      {},
      FINANCE,
    );
    const node = entry.data!.journalEntries.edges[0]!.node;
    expect(node.id).toBe(entryId);
    expect(node.kind).toBe('RECONCILIATION_ADJUSTMENT');
    expect(node.postings.map((p) => `${p.direction} ${p.accountCode} ${p.amount.amount}`).sort()).toEqual([
      'CREDIT recon:wechatpay:suspense 5.00',
      'DEBIT provider:wechatpay:clearing 5.00',
    ]);
    const again = await resolve({ id: item!.id, action: 'EXPLAIN_TIMING', note: 'x' });
    expect(again.errors?.[0]?.extensions?.['code']).toBe('ALREADY_RESOLVED');
    const audit = await t.app.orm.em
      .fork()
      .getConnection()
      .execute(
        `select actor_id, action from audit_event where subject_type = 'recon_item' and subject_id = ?`,
        [item!.id],
      );
    expect(audit).toEqual([{ actor_id: 'fin_1', action: 'recon.resolve' }]);
  });

  it('resolve: a link must name an existing payment or refund; unknown ids are NOT_FOUND', async () => {
    const [item] = await items({ category: 'MISSING_IN_LEDGER' });
    const unknown = await resolve({
      id: item!.id,
      action: 'LINK',
      linkType: 'REFUND',
      linkId: 'rf_nope',
      note: '',
    });
    expect(unknown.errors?.[0]?.extensions?.['code']).toBe('LINK_TARGET_NOT_FOUND');
    const missing = await resolve({ id: 'rci_nope', action: 'EXPLAIN_TIMING', note: '' });
    expect(missing.errors?.[0]?.extensions?.['code']).toBe('DISCREPANCY_NOT_FOUND');
  });

  it('trend and aging for the back office', async () => {
    const trend = await t.gql<{ reconciliationTrend: Record<string, unknown>[] }>(
      `query($to: String) { reconciliationTrend(provider: wechatpay, days: 30, to: $to) { billDate runId matchedCount discrepancyCount unresolvedCount } }`,
      { to: today },
      FINANCE,
    );
    const days = trend.data!.reconciliationTrend;
    expect(days).toHaveLength(30);
    expect(days.at(-1)).toMatchObject({
      billDate: today,
      runId,
      matchedCount: 2,
      discrepancyCount: 2,
      unresolvedCount: 1,
    });
    expect(days[0]).toMatchObject({ runId: null, discrepancyCount: 0 });
    const aging = await t.gql<{ reconciliationAging: Record<string, unknown>[] }>(
      `{ reconciliationAging { bucket count total { amount } } }`,
      {},
      FINANCE,
    );
    expect(aging.data!.reconciliationAging[0]).toEqual({
      bucket: 'D0_1',
      count: 1,
      total: { amount: '10.00' },
    });
  });

  it('CSV report: FINANCE only, ids kept as text, formula-looking cells neutralised', async () => {
    const url = `${t.url}/reports/reconciliation/${runId}.csv`;
    expect((await fetch(url)).status).toBe(401);
    const support = await fetch(url, {
      headers: { authorization: `Bearer ${await tokenFor('SUPPORT', 's')}` },
    });
    expect(support.status).toBe(403);
    const finance = `Bearer ${await tokenFor('FINANCE', 'fin_1')}`;
    expect(
      (await fetch(`${t.url}/reports/reconciliation/rcr_nope.csv`, { headers: { authorization: finance } }))
        .status,
    ).toBe(404);
    const res = await fetch(url, { headers: { authorization: finance } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 3).toString('hex')).toBe('efbbbf'); // a BOM: spreadsheet tools read UTF-8
    const lines = bytes.subarray(3).toString('utf8').split('\r\n').filter(Boolean);
    expect(lines[0]!.startsWith('run_id,provider,bill_date,category')).toBe(true);
    expect(lines).toHaveLength(3);
    const portal = lines.find((l) => l.includes('MISSING_IN_LEDGER'))!;
    expect(portal).toContain(`"'=HYPERLINK(""http://evil"")\t"`);
    expect(portal).toContain('"50300908092024050118032965100\t"');
    expect(portal).toContain(`"${runId}\t"`);
  });
});
