import type { CustomerFigures, RiskFlagRef } from './risk.model.js';

/**
 * One statement: the figures every customer rule needs, with the customers' active flags
 * (`sql/risk_customer_figures.sql`): `$1` customers, `$2` the evaluation time, `$3` the currency, `$4`
 * payments and `$5` orders whose customers to add, `$6` whether to list the contributing rows, `$7`…`$12`
 * the rule versions needing the refunds, refunded orders, orders, spend, claims and payer parts.
 */
export const CUSTOMER_FIGURES_SQL = `select * from ${customerFiguresCall(1)}`;

/** The call of `risk_customer_figures` with its twelve parameters numbered from `$<first>`. */
export function customerFiguresCall(first: number): string {
  const types = ['text[]', 'timestamptz', 'text', 'text[]', 'text[]', 'boolean'];
  const parameters = [...types, ...Array<string>(6).fill('text[]')].map(
    (type, i) => `$${first + i}::${type}`,
  );
  return `risk_customer_figures(${parameters.join(', ')})`;
}

export interface CustomerFiguresRow {
  customer_id: string;
  payment_ids: string[];
  order_ids: string[];
  refunds_7d: number;
  refunds_30d: number;
  refunded_7d_minor: string;
  refunded_30d_minor: string;
  refunded_orders_90d: number;
  refund_ids_7d: string[];
  refund_ids_30d: string[];
  refunded_order_ids_90d: string[];
  orders_90d: number;
  spent_30d_minor: string;
  claims_30d: number;
  claims_without_evidence_30d: number;
  claims_fast_30d: number;
  claims_late_30d: number;
  case_ids_30d: string[];
  payer_account: string | null;
  payer_refunding_ids: string[];
  flags: RiskFlagRef[];
}

export function toCustomerFigures(row: CustomerFiguresRow): CustomerFigures {
  return {
    customerId: row.customer_id,
    refunds7d: row.refunds_7d,
    refunds30d: row.refunds_30d,
    refunded7dMinor: BigInt(row.refunded_7d_minor),
    refunded30dMinor: BigInt(row.refunded_30d_minor),
    refundedOrders90d: row.refunded_orders_90d,
    orders90d: row.orders_90d,
    spent30dMinor: BigInt(row.spent_30d_minor),
    refundIds7d: row.refund_ids_7d,
    refundIds30d: row.refund_ids_30d,
    refundedOrderIds90d: row.refunded_order_ids_90d,
    claims30d: row.claims_30d,
    claimsWithoutEvidence30d: row.claims_without_evidence_30d,
    claimsFast30d: row.claims_fast_30d,
    claimsLate30d: row.claims_late_30d,
    caseIds30d: row.case_ids_30d,
    payerAccount: row.payer_account,
    payerRefundingCustomerIds: row.payer_refunding_ids,
  };
}
