import { gql } from '../api.js';
import type { Connection } from '../ui.js';
import { ANY_STATUS, type ItemFilters, type Resolution } from './recon-items.js';
import {
  AGE_BUCKETS,
  type AgeBucketName,
  type AgingBucket,
  type Discrepancy,
  type RunReport,
  type RunSummary,
  type TrendDay,
} from './recon.model.js';

const M = `{ minor currency }`;
const SUMMARY = `id provider billDate status current statement { rows } matchedCount matchedTotal ${M}
  categories { category count open total ${M} }`;
const REPORT = `${SUMMARY} trigger requestedBy finishedAt fileName errorMessage timingClosedCount
  statement { rows paymentCount paymentTotal ${M} refundCount refundTotal ${M} feeTotal ${M} }
  ledger { paymentCount paymentTotal ${M} refundCount refundTotal ${M} }
  clearing { opening ${M} debits ${M} credits ${M} closing ${M} providerNet ${M} difference ${M} balanced }`;
const ITEM = `id runId provider billDate category kind matchKey statementAmount ${M} ledgerAmount ${M}
  amount ${M} detail status ageBucket ageDays refundId resolution resolutionNote resolvedBy resolvedAt
  linkedType linkedId adjustmentEntryId`;

/** The API's filter from the page's: an age bucket is a range of days. */
function discrepancyFilter(filters: ItemFilters, runId: string | undefined): Record<string, unknown> {
  const days = filters.age ? AGE_BUCKETS[filters.age as AgeBucketName] : undefined;
  return {
    runId,
    category: filters.category || undefined,
    status: filters.status === ANY_STATUS ? undefined : filters.status || undefined,
    provider: filters.provider || undefined,
    minAgeDays: days?.[0],
    maxAgeDays: days?.[1],
  };
}

/** The reconciliation API as the finance pages use it (`schema/schema.graphql`). */
export const RECON_API = {
  async runs(after: string | null): Promise<Connection<RunSummary>> {
    const data = await gql<{ reconciliationRuns: Connection<RunSummary> }>(
      `query($after: String) { reconciliationRuns(first: 50, after: $after) {
        edges { node { ${SUMMARY} } } pageInfo { endCursor hasNextPage } } }`,
      { after },
    );
    return data.reconciliationRuns;
  },
  /** 30 bill dates up to `to` (the API's default: yesterday). */
  async trend(provider: string, to: string | undefined): Promise<readonly TrendDay[]> {
    const data = await gql<{ reconciliationTrend: readonly TrendDay[] }>(
      `query($provider: ReconProvider!, $to: String) { reconciliationTrend(provider: $provider, days: 30, to: $to) {
        billDate provider runId discrepancyCount unresolvedCount } }`,
      { provider, to },
    );
    return data.reconciliationTrend;
  },
  async run(id: string): Promise<{ run: RunReport; aging: readonly AgingBucket[] } | null> {
    const { reconciliationRun: run } = await gql<{ reconciliationRun: RunReport | null }>(
      `query($id: ID!) { reconciliationRun(id: $id) { ${REPORT} } }`,
      { id },
    );
    if (!run) return null;
    const { reconciliationAging: aging } = await gql<{ reconciliationAging: readonly AgingBucket[] }>(
      `query($provider: ReconProvider) { reconciliationAging(provider: $provider) { bucket count total ${M} } }`,
      { provider: run.provider },
    );
    return { run, aging };
  },
  async items(
    filters: ItemFilters,
    runId: string | undefined,
    after: string | null,
  ): Promise<Connection<Discrepancy>> {
    const data = await gql<{ discrepancies: Connection<Discrepancy> }>(
      `query($filter: DiscrepancyFilter, $after: String) {
        discrepancies(filter: $filter, first: 50, after: $after) {
          edges { node { ${ITEM} } } pageInfo { endCursor hasNextPage } } }`,
      { filter: discrepancyFilter(filters, runId), after },
    );
    return data.discrepancies;
  },
  async resolve(id: string, resolution: Resolution): Promise<void> {
    await gql(
      `mutation($input: ResolveDiscrepancyInput!) { resolveDiscrepancy(input: $input) { id status } }`,
      { input: { id, ...resolution } },
    );
  },
  csvPath: (runId: string) => `/reports/reconciliation/${encodeURIComponent(runId)}.csv`,
};
