/** GraphQL shapes of reconciliation (mapped explicitly from the views; entities never leak). */
import {
  ArgsType,
  Field,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  ObjectType,
  registerEnumType,
} from 'type-graphql';
import { connectionTypes, PageArgs } from '../src/graphql/index.js';
import { MoneyType, toMoneyType } from '../src/money/index.js';
import type { AgingBucket, CategoryFigure, ItemView, RunView, TrendDay } from './recon.queries.js';

export enum ReconProviderEnum {
  wechatpay = 'wechatpay',
  alipay = 'alipay',
}
registerEnumType(ReconProviderEnum, { name: 'ReconProvider' });

export enum ReconCategoryEnum {
  MISSING_IN_LEDGER = 'MISSING_IN_LEDGER',
  MISSING_AT_PROVIDER = 'MISSING_AT_PROVIDER',
  AMOUNT_MISMATCH = 'AMOUNT_MISMATCH',
  STATUS_MISMATCH = 'STATUS_MISMATCH',
  DUPLICATE = 'DUPLICATE',
  FEE_MISMATCH = 'FEE_MISMATCH',
  TIMING = 'TIMING',
}
registerEnumType(ReconCategoryEnum, { name: 'DiscrepancyCategory' });

export enum DiscrepancyStatusEnum {
  OPEN = 'OPEN',
  RESOLVED = 'RESOLVED',
  AUTO_CLOSED = 'AUTO_CLOSED',
}
registerEnumType(DiscrepancyStatusEnum, {
  name: 'DiscrepancyStatus',
  description:
    'OPEN: unresolved; RESOLVED: decided by finance; AUTO_CLOSED: a TIMING item a later run matched.',
});

export enum ReconRunStatusEnum {
  COMPLETED = 'COMPLETED',
  EMPTY = 'EMPTY',
  FAILED = 'FAILED',
}
registerEnumType(ReconRunStatusEnum, {
  name: 'ReconRunStatus',
  description: 'EMPTY: the provider had no bill for the day; FAILED: an attempt that changed nothing.',
});

export enum AgeBucketEnum {
  D0_1 = 'D0_1',
  D2_3 = 'D2_3',
  D4_7 = 'D4_7',
  D8_30 = 'D8_30',
  OVER_30 = 'OVER_30',
}
registerEnumType(AgeBucketEnum, {
  name: 'AgeBucket',
  description: 'Days since the bill date: 0–1, 2–3, 4–7, 8–30, >30.',
});

export enum ResolveActionEnum {
  EXPLAIN_TIMING = 'EXPLAIN_TIMING',
  ADJUST = 'ADJUST',
  LINK = 'LINK',
}
registerEnumType(ResolveActionEnum, {
  name: 'ResolveAction',
  description:
    'EXPLAIN_TIMING: a day-boundary difference; ADJUST: post a balanced entry against recon:{provider}:suspense (note required); LINK: to one of our payments or refunds.',
});

export enum LinkTargetEnum {
  PAYMENT = 'PAYMENT',
  REFUND = 'REFUND',
}
registerEnumType(LinkTargetEnum, { name: 'DiscrepancyLinkTarget' });

@ObjectType('ReconStatementTotals', { description: 'What the provider’s file says.' })
export class StatementTotalsType {
  @Field(() => Int) rows!: number;
  @Field(() => Int) paymentCount!: number;
  @Field(() => MoneyType) paymentTotal!: MoneyType;
  @Field(() => Int) refundCount!: number;
  @Field(() => MoneyType) refundTotal!: MoneyType;
  @Field(() => MoneyType, { description: 'Fees charged net of fees given back.' }) feeTotal!: MoneyType;
}

@ObjectType('ReconLedgerTotals', { description: 'What our ledger moved through the provider that day.' })
export class LedgerTotalsType {
  @Field(() => Int) paymentCount!: number;
  @Field(() => MoneyType) paymentTotal!: MoneyType;
  @Field(() => Int) refundCount!: number;
  @Field(() => MoneyType) refundTotal!: MoneyType;
}

@ObjectType('ClearingRollForward', {
  description:
    'provider:{p}:clearing over the bill date: opening + debits − credits = closing, beside the provider’s net.',
})
export class RollForwardType {
  @Field(() => MoneyType) opening!: MoneyType;
  @Field(() => MoneyType) debits!: MoneyType;
  @Field(() => MoneyType) credits!: MoneyType;
  @Field(() => MoneyType) closing!: MoneyType;
  @Field(() => MoneyType, { description: 'Statement payments − refunds.' }) providerNet!: MoneyType;
  @Field(() => MoneyType, { description: 'Ledger activity (debits − credits) − provider net.' })
  difference!: MoneyType;
  @Field(() => Boolean, { description: 'opening + debits − credits = closing.' }) balanced!: boolean;
}

@ObjectType('DiscrepancyCategoryFigure')
export class CategoryFigureType {
  @Field(() => ReconCategoryEnum) category!: ReconCategoryEnum;
  @Field(() => Int) count!: number;
  @Field(() => MoneyType) total!: MoneyType;
  @Field(() => Int) open!: number;
}

@ObjectType('ReconciliationRun')
export class ReconRunType {
  @Field(() => ID) id!: string;
  @Field(() => ReconProviderEnum) provider!: ReconProviderEnum;
  @Field(() => String, { description: 'Asia/Shanghai business date, YYYY-MM-DD.' }) billDate!: string;
  @Field(() => ReconRunStatusEnum) status!: ReconRunStatusEnum;
  @Field(() => String, { description: 'SCHEDULE, CLI or GRAPHQL.' }) trigger!: string;
  @Field(() => String) requestedBy!: string;
  @Field(() => Boolean, { description: 'The run in force for its date (not history, not failed).' })
  current!: boolean;
  @Field(() => String, { nullable: true }) errorCode!: string | null;
  @Field(() => String, { nullable: true }) errorMessage!: string | null;
  @Field(() => Int, { nullable: true, description: 'Line of the statement file at fault.' }) errorLine!:
    number | null;
  @Field(() => String, { nullable: true }) fileName!: string | null;
  @Field(() => String, { nullable: true, description: 'SHA-256 of the raw file as stored.' }) fileSha256!:
    string | null;
  @Field(() => StatementTotalsType) statement!: StatementTotalsType;
  @Field(() => LedgerTotalsType) ledger!: LedgerTotalsType;
  @Field(() => Int) matchedCount!: number;
  @Field(() => MoneyType) matchedTotal!: MoneyType;
  @Field(() => Int, { description: 'Earlier days’ TIMING items this run matched and closed.' })
  timingClosedCount!: number;
  @Field(() => RollForwardType) clearing!: RollForwardType;
  @Field(() => GraphQLISODateTime) startedAt!: Date;
  @Field(() => GraphQLISODateTime) finishedAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) supersededAt!: Date | null;
  @Field(() => ID, { nullable: true }) supersededBy!: string | null;
}

@ObjectType('Discrepancy')
export class DiscrepancyType {
  @Field(() => ID) id!: string;
  @Field(() => ID) runId!: string;
  @Field(() => ReconProviderEnum) provider!: ReconProviderEnum;
  @Field(() => String) billDate!: string;
  @Field(() => ReconCategoryEnum) category!: ReconCategoryEnum;
  @Field(() => String, { description: 'PAYMENT or REFUND.' }) kind!: string;
  @Field(() => String, { description: 'out_trade_no (payments) or our refund id (refunds).' })
  matchKey!: string;
  @Field(() => String, { nullable: true }) outTradeNo!: string | null;
  @Field(() => String, { nullable: true }) providerTransactionId!: string | null;
  @Field(() => String, { nullable: true }) providerRefundId!: string | null;
  @Field(() => Int, { nullable: true }) statementLine!: number | null;
  @Field(() => MoneyType, { nullable: true }) statementAmount!: MoneyType | null;
  @Field(() => String, { nullable: true }) statementStatus!: string | null;
  @Field(() => MoneyType, { nullable: true }) statementFee!: MoneyType | null;
  @Field(() => MoneyType, { nullable: true }) expectedFee!: MoneyType | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) statementAt!: Date | null;
  @Field(() => ID, { nullable: true }) paymentId!: string | null;
  @Field(() => ID, { nullable: true }) refundId!: string | null;
  @Field(() => MoneyType, { nullable: true }) ledgerAmount!: MoneyType | null;
  @Field(() => String, { nullable: true }) ledgerStatus!: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) ledgerAt!: Date | null;
  @Field(() => MoneyType, { description: 'What is at stake (≥ 0).' }) amount!: MoneyType;
  @Field(() => MoneyType, {
    description: 'How the provider clearing would move if the ledger followed the provider.',
  })
  clearingDelta!: MoneyType;
  @Field(() => String) detail!: string;
  @Field(() => DiscrepancyStatusEnum) status!: DiscrepancyStatusEnum;
  @Field(() => String, { nullable: true }) resolution!: string | null;
  @Field(() => String, { nullable: true }) resolutionNote!: string | null;
  @Field(() => String, { nullable: true }) resolvedBy!: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) resolvedAt!: Date | null;
  @Field(() => ID, { nullable: true }) adjustmentEntryId!: string | null;
  @Field(() => String, { nullable: true }) linkedType!: string | null;
  @Field(() => ID, { nullable: true }) linkedId!: string | null;
  @Field(() => Int) ageDays!: number;
  @Field(() => AgeBucketEnum, { nullable: true, description: 'Unresolved items only.' })
  ageBucket!: AgeBucketEnum | null;
}

@ObjectType('ReconTrendDay')
export class TrendDayType {
  @Field(() => String) billDate!: string;
  @Field(() => ReconProviderEnum) provider!: ReconProviderEnum;
  @Field(() => ID, { nullable: true, description: 'Null: no run for that day yet.' }) runId!: string | null;
  @Field(() => Int) matchedCount!: number;
  @Field(() => MoneyType) matchedTotal!: MoneyType;
  @Field(() => Int) discrepancyCount!: number;
  @Field(() => MoneyType) discrepancyTotal!: MoneyType;
  @Field(() => Int) unresolvedCount!: number;
}

@ObjectType('ReconAgingBucket')
export class AgingBucketType {
  @Field(() => AgeBucketEnum) bucket!: AgeBucketEnum;
  @Field(() => Int) count!: number;
  @Field(() => MoneyType) total!: MoneyType;
}

export const { Connection: ReconRunConnection } = connectionTypes(ReconRunType, 'ReconciliationRun');
export const { Connection: DiscrepancyConnection } = connectionTypes(DiscrepancyType, 'Discrepancy');

@InputType('ReconciliationRunFilter')
export class RunFilterInput {
  @Field(() => ReconProviderEnum, { nullable: true }) provider?: ReconProviderEnum | null;
  @Field(() => String, { nullable: true, description: 'Bill dates from (YYYY-MM-DD).' }) from?: string | null;
  @Field(() => String, { nullable: true, description: 'Bill dates to (YYYY-MM-DD), inclusive.' }) to?:
    string | null;
  @Field(() => ReconRunStatusEnum, { nullable: true }) status?: ReconRunStatusEnum | null;
  @Field(() => Boolean, { nullable: true, description: 'Include superseded runs (history).' })
  includeSuperseded?: boolean | null;
}

@ArgsType()
export class RunsArgs extends PageArgs {
  @Field(() => RunFilterInput, { nullable: true }) filter?: RunFilterInput | null;
}

@InputType('DiscrepancyFilter')
export class DiscrepancyFilterInput {
  @Field(() => ID, {
    nullable: true,
    description: 'One run’s items (even a superseded one); otherwise current runs only.',
  })
  runId?: string | null;
  @Field(() => ReconProviderEnum, { nullable: true }) provider?: ReconProviderEnum | null;
  @Field(() => ReconCategoryEnum, { nullable: true }) category?: ReconCategoryEnum | null;
  @Field(() => DiscrepancyStatusEnum, { nullable: true }) status?: DiscrepancyStatusEnum | null;
  @Field(() => Int, { nullable: true, description: 'At least this many days old.' }) minAgeDays?:
    number | null;
  @Field(() => Int, { nullable: true, description: 'At most this many days old.' }) maxAgeDays?:
    number | null;
}

@ArgsType()
export class DiscrepanciesArgs extends PageArgs {
  @Field(() => DiscrepancyFilterInput, { nullable: true }) filter?: DiscrepancyFilterInput | null;
}

@InputType('ResolveDiscrepancyInput')
export class ResolveInput {
  @Field(() => ID) id!: string;
  @Field(() => ResolveActionEnum) action!: ResolveActionEnum;
  @Field(() => String, { nullable: true, description: 'Mandatory for ADJUST.' }) note?: string | null;
  @Field(() => LinkTargetEnum, { nullable: true }) linkType?: LinkTargetEnum | null;
  @Field(() => ID, { nullable: true }) linkId?: string | null;
}

@ObjectType('RunReconciliationResult')
export class RunResultType {
  @Field(() => String, { description: 'COMPLETED, EMPTY or NOT_READY (nothing recorded; try later).' })
  status!: string;
  @Field(() => ReconRunType, { nullable: true }) run!: ReconRunType | null;
}

const money = (minor: bigint, currency: string): MoneyType => toMoneyType({ amountMinor: minor, currency });
const moneyOrNull = (minor: bigint | null, currency: string): MoneyType | null =>
  minor === null ? null : money(minor, currency);

export function toRunType(v: RunView): ReconRunType {
  const c = v.currency;
  const f = v.figures;
  const n = v.counts;
  const fig = (k: string): bigint => f[k] ?? 0n;
  const providerNet = fig('statement_payment_minor') - fig('statement_refund_minor');
  const activity = fig('clearing_debit_minor') - fig('clearing_credit_minor');
  return Object.assign(new ReconRunType(), {
    id: v.id,
    provider: v.provider as ReconProviderEnum,
    billDate: v.billDate,
    status: v.status as ReconRunStatusEnum,
    trigger: v.trigger,
    requestedBy: v.requestedBy,
    current: v.supersededAt === null && v.status !== 'FAILED',
    errorCode: v.errorCode,
    errorMessage: v.errorMessage,
    errorLine: v.errorLine,
    fileName: v.fileName,
    fileSha256: v.fileSha256,
    statement: Object.assign(new StatementTotalsType(), {
      rows: n['statement_rows'] ?? 0,
      paymentCount: n['statement_payment_count'] ?? 0,
      paymentTotal: money(fig('statement_payment_minor'), c),
      refundCount: n['statement_refund_count'] ?? 0,
      refundTotal: money(fig('statement_refund_minor'), c),
      feeTotal: money(fig('statement_fee_minor'), c),
    }),
    ledger: Object.assign(new LedgerTotalsType(), {
      paymentCount: n['ledger_payment_count'] ?? 0,
      paymentTotal: money(fig('ledger_payment_minor'), c),
      refundCount: n['ledger_refund_count'] ?? 0,
      refundTotal: money(fig('ledger_refund_minor'), c),
    }),
    matchedCount: n['matched_count'] ?? 0,
    matchedTotal: money(fig('matched_minor'), c),
    timingClosedCount: n['timing_closed_count'] ?? 0,
    clearing: Object.assign(new RollForwardType(), {
      opening: money(fig('clearing_opening_minor'), c),
      debits: money(fig('clearing_debit_minor'), c),
      credits: money(fig('clearing_credit_minor'), c),
      closing: money(fig('clearing_closing_minor'), c),
      providerNet: money(providerNet, c),
      difference: money(activity - providerNet, c),
      balanced: fig('clearing_opening_minor') + activity === fig('clearing_closing_minor'),
    }),
    startedAt: v.startedAt,
    finishedAt: v.finishedAt,
    supersededAt: v.supersededAt,
    supersededBy: v.supersededBy,
  });
}

export function toDiscrepancyType(v: ItemView): DiscrepancyType {
  const c = v.currency;
  return Object.assign(new DiscrepancyType(), {
    id: v.id,
    runId: v.runId,
    provider: v.provider as ReconProviderEnum,
    billDate: v.billDate,
    category: v.category as ReconCategoryEnum,
    kind: v.kind,
    matchKey: v.matchKey,
    outTradeNo: v.outTradeNo,
    providerTransactionId: v.transactionId,
    providerRefundId: v.providerRefundId,
    statementLine: v.statementLine,
    statementAmount: moneyOrNull(v.statementAmountMinor, c),
    statementStatus: v.statementStatus,
    statementFee: moneyOrNull(v.statementFeeMinor, c),
    expectedFee: moneyOrNull(v.expectedFeeMinor, c),
    statementAt: v.statementAt,
    paymentId: v.ledgerPaymentId,
    refundId: v.ledgerRefundId,
    ledgerAmount: moneyOrNull(v.ledgerAmountMinor, c),
    ledgerStatus: v.ledgerStatus,
    ledgerAt: v.ledgerAt,
    amount: money(v.amountMinor, c),
    clearingDelta: money(v.clearingDeltaMinor, c),
    detail: v.detail,
    status: v.status as DiscrepancyStatusEnum,
    resolution: v.resolution,
    resolutionNote: v.resolutionNote,
    resolvedBy: v.resolvedBy,
    resolvedAt: v.resolvedAt,
    adjustmentEntryId: v.adjustmentEntryId,
    linkedType: v.linkedType,
    linkedId: v.linkedId,
    ageDays: v.ageDays,
    ageBucket: v.status === 'OPEN' ? (v.ageBucket as AgeBucketEnum) : null,
  });
}

export const toCategoryType = (f: CategoryFigure, currency: string): CategoryFigureType =>
  Object.assign(new CategoryFigureType(), {
    category: f.category as ReconCategoryEnum,
    count: f.count,
    total: money(f.amountMinor, currency),
    open: f.open,
  });

export const toTrendType = (d: TrendDay): TrendDayType =>
  Object.assign(new TrendDayType(), {
    billDate: d.billDate,
    provider: d.provider as ReconProviderEnum,
    runId: d.runId,
    matchedCount: d.matchedCount,
    matchedTotal: money(d.matchedMinor, 'CNY'),
    discrepancyCount: d.discrepancyCount,
    discrepancyTotal: money(d.discrepancyMinor, 'CNY'),
    unresolvedCount: d.unresolvedCount,
  });

export const toAgingType = (b: AgingBucket): AgingBucketType =>
  Object.assign(new AgingBucketType(), {
    bucket: b.bucket as AgeBucketEnum,
    count: b.count,
    total: money(b.amountMinor, 'CNY'),
  });
