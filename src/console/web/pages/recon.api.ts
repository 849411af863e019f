import { gql } from '../api.js';
import type { ItemFilters, Resolution } from './recon-items.js';
import type { Discrepancy, RunReport, RunSummary } from './recon.model.js';
import type { Connection } from '../ui.js';

const M = `{ minor currency }`;
const SUMMARY = `id provider billDate status statementRows matchedCount matched ${M} discrepancyCount
  discrepancyAmount ${M} openCount`;
const ITEM = `id category kind matchKey statementAmount ${M} ledgerAmount ${M} amount ${M} detail status ageBucket
  resolution resolutionNote resolvedBy resolvedAt ledgerRefundId`;

/** The reconciliation API as the finance pages use it (one place to follow its schema). */
export const RECON_API = {
  async runs(): Promise<readonly RunSummary[]> {
    const data = await gql<{ reconciliationRuns: Connection<RunSummary> }>(
      `query { reconciliationRuns(first: 100) { edges { node { ${SUMMARY} } } pageInfo { endCursor hasNextPage } } }`,
    );
    return data.reconciliationRuns.edges.map((e) => e.node);
  },
  async run(id: string): Promise<RunReport | null> {
    const data = await gql<{ reconciliationRun: RunReport | null }>(
      `query($id: ID!) { reconciliationRun(id: $id) { ${SUMMARY} currency
        statement { payments { count amount ${M} } refunds { count amount ${M} } fees ${M} }
        ledger { payments { count amount ${M} } refunds { count amount ${M} } }
        clearing { opening ${M} debits ${M} credits ${M} closing ${M} }
        byCategory { category count amount ${M} } aging { bucket count } } }`,
      { id },
    );
    return data.reconciliationRun;
  },
  async items(runId: string, filters: ItemFilters, after: string | null): Promise<Connection<Discrepancy>> {
    const data = await gql<{ discrepancies: Connection<Discrepancy> }>(
      `query($runId: ID!, $category: String, $status: String, $age: String, $after: String) {
        discrepancies(runId: $runId, category: $category, status: $status, ageBucket: $age, first: 100, after: $after) {
          edges { node { ${ITEM} } } pageInfo { endCursor hasNextPage } } }`,
      {
        runId,
        category: filters.category || null,
        status: filters.status || null,
        age: filters.age || null,
        after,
      },
    );
    return data.discrepancies;
  },
  async resolve(id: string, resolution: Resolution): Promise<void> {
    await gql(
      `mutation($input: ResolveDiscrepancyInput!) { resolveDiscrepancy(input: $input) { id status } }`,
      {
        input: { id, ...resolution },
      },
    );
  },
  csvPath: (runId: string) => `/reports/reconciliation/${encodeURIComponent(runId)}.csv`,
};
