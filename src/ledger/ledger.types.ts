import { ArgsType, Field, GraphQLISODateTime, ID, ObjectType, registerEnumType } from 'type-graphql';
import { connectionTypes, encodeCursor, PageArgs, PageInfo, type Page } from '../graphql/index.js';
import { MoneyType, toMoneyType } from '../money/index.js';
import type { AccountType, Direction, OwnerKind } from './chart-of-accounts.js';
import type { Slice } from './ledger.queries.js';
import type {
  AccountView,
  EntryKind,
  EntryView,
  PostingView,
  StatementLine,
  TrialBalanceLine,
} from './ledger.model.js';

/** GraphQL shapes of the ledger. Views are mapped explicitly; entities never reach the schema. */
export const AccountTypeEnum = {
  ASSET: 'ASSET',
  LIABILITY: 'LIABILITY',
  EQUITY: 'EQUITY',
  REVENUE: 'REVENUE',
  EXPENSE: 'EXPENSE',
} as const satisfies Record<AccountType, AccountType>;
export const DirectionEnum = { DEBIT: 'DEBIT', CREDIT: 'CREDIT' } as const satisfies Record<
  Direction,
  Direction
>;
export const OwnerKindEnum = {
  MERCHANT: 'MERCHANT',
  RIDER: 'RIDER',
  CUSTOMER: 'CUSTOMER',
} as const satisfies Record<OwnerKind, OwnerKind>;
export const EntryKindEnum = {
  PAYMENT_CAPTURED: 'PAYMENT_CAPTURED',
  REFUND_APPROVED: 'REFUND_APPROVED',
  REFUND_SUCCEEDED: 'REFUND_SUCCEEDED',
  REFUND_RELEASED: 'REFUND_RELEASED',
  COUPON_COMPENSATION: 'COUPON_COMPENSATION',
  APPEAL_COST_MOVE: 'APPEAL_COST_MOVE',
  RECONCILIATION_ADJUSTMENT: 'RECONCILIATION_ADJUSTMENT',
  REVERSAL: 'REVERSAL',
} as const satisfies Record<EntryKind, EntryKind>;

registerEnumType(AccountTypeEnum, { name: 'AccountType' });
registerEnumType(DirectionEnum, { name: 'PostingDirection' });
registerEnumType(OwnerKindEnum, { name: 'AccountOwnerKind' });
registerEnumType(EntryKindEnum, { name: 'JournalEntryKind' });

@ObjectType('LedgerAccount', { description: 'One account of the chart, in one currency.' })
export class LedgerAccountType {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'Chart-of-accounts code, e.g. merchant:m_42:payable.' }) code!: string;
  @Field(() => String) currency!: string;
  @Field(() => AccountTypeEnum) type!: AccountType;
  @Field(() => OwnerKindEnum, { nullable: true }) ownerKind!: OwnerKind | null;
  @Field(() => String, { nullable: true }) ownerId!: string | null;
  @Field(() => Boolean, { description: 'The database refuses postings that would take it below zero.' })
  nonNegative!: boolean;
  @Field(() => MoneyType) debits!: MoneyType;
  @Field(() => MoneyType) credits!: MoneyType;
  @Field(() => MoneyType, {
    description: 'On the normal side: debits − credits for assets and expenses, else credits − debits.',
  })
  balance!: MoneyType;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

@ObjectType('Posting')
export class PostingType {
  @Field(() => ID) id!: string;
  @Field(() => String) accountCode!: string;
  @Field(() => DirectionEnum) direction!: Direction;
  @Field(() => MoneyType) amount!: MoneyType;
}

@ObjectType('JournalEntry', { description: 'One business event; append-only, corrected by reversal.' })
export class JournalEntryType {
  @Field(() => ID) id!: string;
  @Field(() => EntryKindEnum) kind!: EntryKind;
  @Field(() => String) referenceType!: string;
  @Field(() => String) referenceId!: string;
  @Field(() => String, { nullable: true }) memo!: string | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => ID, { nullable: true }) reversesEntryId!: string | null;
  /** Exposed by `JournalEntryResolver.postings` (bounded by `first`). */
  postings!: PostingType[];
}

@ObjectType('StatementLine')
export class StatementLineType {
  @Field(() => ID) postingId!: string;
  @Field(() => ID) entryId!: string;
  @Field(() => EntryKindEnum) entryKind!: EntryKind;
  @Field(() => String) referenceType!: string;
  @Field(() => String) referenceId!: string;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => DirectionEnum) direction!: Direction;
  @Field(() => MoneyType) amount!: MoneyType;
  @Field(() => MoneyType, { description: 'Normal-side balance right after this posting.' })
  runningBalance!: MoneyType;
}

@ObjectType('TrialBalanceLine', { description: 'Over every account of one currency.' })
export class TrialBalanceLineType {
  @Field(() => String) currency!: string;
  @Field(() => MoneyType) totalDebits!: MoneyType;
  @Field(() => MoneyType) totalCredits!: MoneyType;
  @Field(() => Boolean, { description: 'Total debits equal total credits.' }) balanced!: boolean;
}

export const { Connection: LedgerAccountConnection } = connectionTypes(LedgerAccountType, 'LedgerAccount');
export const { Connection: JournalEntryConnection } = connectionTypes(JournalEntryType, 'JournalEntry');
export const { Connection: StatementLineConnection } = connectionTypes(StatementLineType, 'StatementLine');

@ArgsType()
export class AccountsArgs extends PageArgs {
  @Field(() => OwnerKindEnum, { nullable: true }) ownerKind?: OwnerKind | null;
  @Field(() => String, { nullable: true }) ownerId?: string | null;
  @Field(() => AccountTypeEnum, { nullable: true }) type?: AccountType | null;
  @Field(() => String, { nullable: true }) currency?: string | null;
}

@ArgsType()
export class JournalEntriesArgs extends PageArgs {
  @Field(() => String, { nullable: true }) referenceType?: string | null;
  @Field(() => String, { nullable: true }) referenceId?: string | null;
  @Field(() => String, { nullable: true, description: 'Entries touching this account (needs currency).' })
  accountCode?: string | null;
  @Field(() => String, { nullable: true }) currency?: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Inclusive.' }) from?: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Exclusive.' }) to?: Date | null;
}

@ArgsType()
export class AccountStatementArgs extends PageArgs {
  @Field(() => String) code!: string;
  @Field(() => String) currency!: string;
}

export function toAccountType(view: AccountView): LedgerAccountType {
  return Object.assign(new LedgerAccountType(), {
    ...view,
    debits: toMoneyType(view.debits),
    credits: toMoneyType(view.credits),
    balance: toMoneyType(view.balance),
  });
}

function toPostingType(view: PostingView): PostingType {
  return Object.assign(new PostingType(), {
    id: view.id,
    accountCode: view.accountCode,
    direction: view.direction,
    amount: toMoneyType(view.amount),
  });
}

export function toEntryType(view: EntryView): JournalEntryType {
  return Object.assign(new JournalEntryType(), {
    id: view.id,
    kind: view.kind,
    referenceType: view.reference.type,
    referenceId: view.reference.id,
    memo: view.memo,
    createdAt: view.createdAt,
    reversesEntryId: view.reversesEntryId,
    postings: view.postings.map(toPostingType),
  });
}

export function toStatementLineType(line: StatementLine): StatementLineType {
  return Object.assign(new StatementLineType(), {
    postingId: line.postingId,
    entryId: line.entryId,
    entryKind: line.entryKind,
    referenceType: line.reference.type,
    referenceId: line.reference.id,
    createdAt: line.createdAt,
    direction: line.direction,
    amount: toMoneyType(line.amount),
    runningBalance: toMoneyType(line.runningBalance),
  });
}

export function toTrialBalanceLineType(line: TrialBalanceLine): TrialBalanceLineType {
  return Object.assign(new TrialBalanceLineType(), {
    currency: line.currency,
    totalDebits: toMoneyType(line.totalDebits),
    totalCredits: toMoneyType(line.totalCredits),
    balanced: line.balanced,
  });
}

/** A service slice as a Relay connection; the cursor is the item's id. */
export function toConnection<V, T>(slice: Slice<V>, id: (view: V) => string, map: (view: V) => T): Page<T> {
  const edges = slice.items.map((view) => ({ cursor: encodeCursor([id(view)]), node: map(view) }));
  const pageInfo = Object.assign(new PageInfo(), {
    hasNextPage: slice.hasNextPage,
    endCursor: edges.at(-1)?.cursor ?? null,
  });
  return { edges, pageInfo };
}
