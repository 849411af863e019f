import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RISK_RULE_DEFAULTS } from '../../config/index.js';
import type { CustomerFigures, FigurePart, PlatformFigures } from '../risk.model.js';
import { merchantClaimOutlierRule } from './claim-outlier.rule.js';
import { claimTimingRule } from './claim-timing.rule.js';
import { claimsWithoutEvidenceRule } from './claims-without-evidence.rule.js';
import { CUSTOMER_RULES, PLATFORM_RULES } from './index.js';
import { refundAmountRule } from './refund-amount.rule.js';
import { refundFrequencyRule } from './refund-frequency.rule.js';
import { refundOrderRatioRule } from './refund-order-ratio.rule.js';
import { sharedPayerRule } from './shared-payer.rule.js';

const quiet: CustomerFigures = {
  customerId: 'c_1',
  refunds7d: 0,
  refunds30d: 0,
  refunded7dMinor: 0n,
  refunded30dMinor: 0n,
  refundedOrders90d: 0,
  orders90d: 0,
  spent30dMinor: 0n,
  refundIds7d: [],
  refundIds30d: [],
  refundedOrderIds90d: [],
  claims30d: 0,
  claimsWithoutEvidence30d: 0,
  claimsFast30d: 0,
  claimsLate30d: 0,
  caseIds30d: [],
  payerAccount: null,
  payerRefundingCustomerIds: [],
};

const fires = <P>(rule: { evaluate(f: CustomerFigures, p: P): unknown }, p: P, f: Partial<CustomerFigures>) =>
  rule.evaluate({ ...quiet, ...f }, p) !== null;

describe('customer rules are pure functions over figures, at their thresholds', () => {
  it.each([
    [{ refunds7d: 2, refunds30d: 4 }, false],
    [{ refunds7d: 3, refunds30d: 3 }, true],
    [{ refunds7d: 0, refunds30d: 5 }, true],
  ])('refund-frequency %o → %s', (f, expected) => {
    expect(fires(refundFrequencyRule, { refunds7d: 3, refunds30d: 5 }, f)).toBe(expected);
  });

  it.each([
    [{ orders90d: 4, refundedOrders90d: 4 }, false], // too few orders to judge
    [{ orders90d: 10, refundedOrders90d: 3 }, false], // exactly 30 % is not more than 30 %
    [{ orders90d: 10, refundedOrders90d: 4 }, true],
  ])('refund-order-ratio %o → %s', (f, expected) => {
    expect(fires(refundOrderRatioRule, { maxPercent: 30, minOrders: 5 }, f)).toBe(expected);
  });

  it.each([
    [{ refunded7dMinor: 20_000n, refunded30dMinor: 20_000n, spent30dMinor: 100_000n }, false],
    [{ refunded7dMinor: 20_001n, refunded30dMinor: 20_001n, spent30dMinor: 100_000n }, true],
    [{ refunded30dMinor: 4_000n, spent30dMinor: 10_000n }, false], // 40 % is not more than 40 %
    [{ refunded30dMinor: 4_001n, spent30dMinor: 10_000n }, true],
    [{ refunded30dMinor: 1n, spent30dMinor: 0n }, true],
  ])('refund-amount %o → %s', (f, expected) => {
    expect(fires(refundAmountRule, { max7dMinor: 20_000n, maxSpendPercent: 40 }, f)).toBe(expected);
  });

  it.each([
    [{ claims30d: 2, claimsWithoutEvidence30d: 2 }, false],
    [{ claims30d: 4, claimsWithoutEvidence30d: 2 }, false],
    [{ claims30d: 4, claimsWithoutEvidence30d: 3 }, true],
  ])('claims-without-evidence %o → %s', (f, expected) => {
    expect(fires(claimsWithoutEvidenceRule, { minClaims: 3, maxPercent: 50 }, f)).toBe(expected);
  });

  it.each([
    [{ claimsFast30d: 1, claimsLate30d: 1 }, false],
    [{ claimsFast30d: 2, claimsLate30d: 1 }, true],
  ])('claim-timing %o → %s', (f, expected) => {
    expect(fires(claimTimingRule, { maxOddClaims: 3 }, f)).toBe(expected);
  });

  it('shared-payer flags the whole cluster with the payer as evidence', () => {
    const figures = { ...quiet, payerAccount: 'oX', payerRefundingCustomerIds: ['c_1', 'c_2', 'c_3'] };
    expect(
      sharedPayerRule.evaluate({ ...figures, payerRefundingCustomerIds: ['c_1', 'c_2'] }, { minAccounts: 3 }),
    ).toBeNull();
    expect(sharedPayerRule.evaluate(figures, { minAccounts: 3 })?.evidence).toEqual({
      customerIds: ['c_1', 'c_2', 'c_3'],
      payerAccount: 'oX',
    });
  });

  it('a hit explains itself: figures, thresholds and contributing rows', () => {
    const hit = refundFrequencyRule.evaluate(
      { ...quiet, refunds7d: 3, refunds30d: 4, refundIds7d: ['rf_1', 'rf_2', 'rf_3'] },
      { refunds7d: 3, refunds30d: 5 },
    );
    expect(hit).toEqual({
      figures: { refunds7d: 3, refunds30d: 4 },
      thresholds: { refunds7d: 3, refunds30d: 5 },
      evidence: { refundIds: ['rf_1', 'rf_2', 'rf_3'] },
    });
  });
});

describe('platform rules', () => {
  const merchant: PlatformFigures = {
    subjectKind: 'MERCHANT',
    subjectId: 'm_1',
    orders: 100,
    claims: 31,
    peerOrders: 10_000,
    peerClaims: 1_000,
    claimedOrderIds: [],
    period: 'p',
  };
  it.each([
    [{ claims: 30 }, false], // 30 % is exactly 3 × the peers' 10 %
    [{ claims: 31 }, true],
    [{ claims: 31, orders: 19 }, false], // too few orders to judge
  ])('merchant-claim-outlier %o → %s', (f, expected) => {
    expect(
      merchantClaimOutlierRule.evaluate({ ...merchant, ...f }, { multiple: 3, minOrders: 20 }) !== null,
    ).toBe(expected);
  });
});

describe('the registry', () => {
  it('has unique ids and parses each rule’s parameters with its own schema', () => {
    const ids = [...CUSTOMER_RULES, ...PLATFORM_RULES].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const frequency = CUSTOMER_RULES.find((r) => r.id === 'refund-frequency')!;
    expect(frequency.parseParams({ refunds7d: 3, refunds30d: 5 })).toEqual({
      ok: true,
      params: { refunds7d: 3, refunds30d: 5 },
    });
    expect(frequency.parseParams({ refunds7d: 0, refunds30d: 5 }).ok).toBe(false);
    expect(frequency.parseParams({ refunds7d: 3, refunds30d: 5, extra: 1 }).ok).toBe(false);
    const amount = CUSTOMER_RULES.find((r) => r.id === 'refund-amount')!;
    expect(amount.parseParams({ max7dMinor: '20000', maxSpendPercent: 40 })).toEqual({
      ok: true,
      params: { max7dMinor: 20_000n, maxSpendPercent: 40 },
    });
    expect(amount.parseParams({ max7dMinor: 200.5, maxSpendPercent: 40 }).ok).toBe(false);
  });
});

/** Which part of the figures (risk_customer_figures' parameters) each figure comes from. */
const PART_OF: Record<Exclude<keyof CustomerFigures, 'customerId'>, FigurePart> = {
  refunds7d: 'refunds',
  refunds30d: 'refunds',
  refunded7dMinor: 'refunds',
  refunded30dMinor: 'refunds',
  refundIds7d: 'refunds',
  refundIds30d: 'refunds',
  refundedOrders90d: 'refundedOrders',
  refundedOrderIds90d: 'refundedOrders',
  orders90d: 'orders',
  spent30dMinor: 'spend',
  claims30d: 'claims',
  claimsWithoutEvidence30d: 'claims',
  claimsFast30d: 'claims',
  claimsLate30d: 'claims',
  caseIds30d: 'claims',
  payerAccount: 'payer',
  payerRefundingCustomerIds: 'payer',
};

const count = fc.integer({ min: 0, max: 60 });
const minor = fc.bigInt({ min: 0n, max: 10_000_000n });
const ids = fc.array(fc.stringMatching(/^x_[0-9a-f]{4}$/), { maxLength: 6 });
const figures: fc.Arbitrary<CustomerFigures> = fc.record({
  customerId: fc.constant('c_1'),
  refunds7d: count,
  refunds30d: count,
  refunded7dMinor: minor,
  refunded30dMinor: minor,
  refundIds7d: ids,
  refundIds30d: ids,
  refundedOrders90d: count,
  refundedOrderIds90d: ids,
  orders90d: count,
  spent30dMinor: minor,
  claims30d: count,
  claimsWithoutEvidence30d: count,
  claimsFast30d: count,
  claimsLate30d: count,
  caseIds30d: ids,
  payerAccount: fc.option(fc.constantFrom('oA', 'oB'), { nil: null }),
  payerRefundingCustomerIds: ids,
});

describe('each customer rule reads only the parts of the figures it declares (`needs`)', () => {
  // A part no unheld rule needs is not read (zeros come back): a rule reading a figure it does not
  // declare would then be evaluated on zeros. Its answer must not depend on any undeclared figure.
  it.each(CUSTOMER_RULES.map((rule) => [rule.id, rule] as const))('%s', (_, rule) => {
    const parsed = rule.parseParams(RISK_RULE_DEFAULTS[rule.id]!.params);
    if (!parsed.ok) throw new Error(parsed.message);
    fc.assert(
      fc.property(figures, figures, (a, b) => {
        const mixed = { ...a };
        for (const [field, part] of Object.entries(PART_OF)) {
          if (!rule.needs.includes(part))
            Object.assign(mixed, { [field]: b[field as keyof CustomerFigures] });
        }
        expect(rule.evaluate(mixed, parsed.params)).toEqual(rule.evaluate(a, parsed.params));
      }),
      { numRuns: 300 },
    );
  });
});
