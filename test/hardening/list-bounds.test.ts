import { getNullableType, isListType, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { MAX_PAGE_SIZE } from '../../src/graphql/index.js';
import { schemaTypes } from '../../src/main.js';

/**
 * Lists without a `first`, each bounded by construction (the cost limit counts them as a few items); anything that grows with the data must take `first` instead.
 */
const BOUNDED_BY_CONSTRUCTION: Record<string, string> = {
  'Query.caseQueueCounts': 'one per case status',
  'Query.orderWarnings': 'one per warning kind and order (unique), two kinds',
  'Query.reconciliationAging': 'fixed age buckets',
  'Query.reconciliationTrend': 'days, at most 366 (argument)',
  'Query.trialBalance': 'one per currency',
  'Case.evidence': 'at most MAX_EVIDENCE_URLS, checked at intake',
  'CaseAppeal.evidence': 'at most MAX_EVIDENCE_URLS, checked at intake',
  'DetectionRun.openedCaseIds': 'ids of one detection batch (at most 1000, scalars)',
  'OpsException.figures': 'the few figures a notify carries',
  'ReconciliationRun.categories': 'one per discrepancy category',
  'SimilarCases.customer': '5 (the query’s limit)',
  'SimilarCases.merchant': '5 (the query’s limit)',
  'SimilarCases.rider': '5 (the query’s limit)',
  'SystemStatus.appliedMigrations': 'the migrations in the code',
  'SystemStatus.pendingMigrations': 'the migrations in the code',
  'SystemStatus.queues': 'the job queues in the code',
  'Query.riskRules': 'one per rule registered in the code',
  'RefundRisk.flags': 'the flags that routed one refund, at most one per rule',
  'RiskFlag.figures': 'the figures one rule reads (a fixed few)',
  'RiskFlag.thresholds': 'the thresholds one rule compares (a fixed few)',
  'RiskEvidence.refundIds': 'at most 50 (the figures’ cap)',
  'RiskEvidence.orderIds': 'at most 50 (the figures’ cap)',
  'RiskEvidence.caseIds': 'at most 50 (the figures’ cap)',
  'RiskEvidence.customerIds': 'accounts sharing one payer (a cluster)',
  'RiskRuleVersion.params': 'the parameters of one rule (a fixed few)',
  'RiskBacktest.params': 'the parameters of one rule (a fixed few)',
  'RiskBacktest.sample': 'at most 50 (the backtest’s sample cap)',
  'RiskBacktestHit.figures': 'the figures one rule reads (a fixed few)',
  'RiskBacktestHit.thresholds': 'the thresholds one rule compares (a fixed few)',
};

describe('every list field is bounded', () => {
  it('takes `first` (at most the page-size ceiling), is a connection’s edges, or is small by construction', async () => {
    const schema = await schemaTypes();
    const unbounded: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        if (!isListType(getNullableType(field.type))) continue;
        const name = `${type.name}.${field.name}`;
        const first = field.args.find((a) => a.name === 'first');
        if (first) {
          const byDefault = first.defaultValue;
          if (byDefault !== undefined && (typeof byDefault !== 'number' || byDefault > MAX_PAGE_SIZE))
            unbounded.push(`${name}: default first ${JSON.stringify(byDefault)}`);
          continue;
        }
        if (field.name === 'edges' && type.name.endsWith('Connection')) continue;
        if (!(name in BOUNDED_BY_CONSTRUCTION)) unbounded.push(name);
      }
    }
    expect(unbounded).toEqual([]);
  });
});
