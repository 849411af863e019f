import { Arg, Args, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { Role } from '../auth/index.js';
import { InputError } from '../errors/index.js';
import {
  decodeCursor,
  listFirst,
  pageSize,
  requireViewer,
  type GraphQLContext,
  type Page,
} from '../graphql/index.js';
import { ledgerScopeFor } from './ledger.access.js';
import type { PageRequest } from './ledger.queries.js';
import {
  AccountsArgs,
  AccountStatementArgs,
  JournalEntriesArgs,
  JournalEntryConnection,
  LedgerAccountConnection,
  LedgerAccountType,
  StatementLineConnection,
  JournalEntryType,
  PostingType,
  TrialBalanceLineType,
  toAccountType,
  toConnection,
  toEntryType,
  toStatementLineType,
  toTrialBalanceLineType,
  type StatementLineType,
} from './ledger.types.js';
import type { LedgerService } from './ledger.service.js';

/** Finance and admins read every account; merchants, riders and customers only their own. */
const LEDGER_READERS = [Role.FINANCE, Role.ADMIN, Role.MERCHANT, Role.RIDER, Role.CUSTOMER];

@Resolver(() => JournalEntryType)
export class LedgerResolver {
  constructor(private readonly ledgerService: LedgerService) {}

  @Authorized(...LEDGER_READERS)
  @Query(() => LedgerAccountType, { nullable: true, description: 'One account by code and currency.' })
  async account(
    @Arg('code', () => String) code: string,
    @Arg('currency', () => String) currency: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LedgerAccountType | null> {
    const view = await this.ledgerService.findAccount(code, currency, ledgerScopeFor(requireViewer(ctx)));
    return view === null ? null : toAccountType(view);
  }

  @Authorized(...LEDGER_READERS)
  @Query(() => LedgerAccountConnection, { description: 'Accounts, oldest first; owners see only their own.' })
  async accounts(
    @Args(() => AccountsArgs) args: AccountsArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Page<LedgerAccountType>> {
    const slice = await this.ledgerService.listAccounts(
      ledgerScopeFor(requireViewer(ctx)),
      args,
      pageOf(args),
    );
    return toConnection(slice, (a) => a.id, toAccountType);
  }

  @Authorized(...LEDGER_READERS)
  @Query(() => JournalEntryConnection, { description: 'Journal entries, newest first.' })
  async journalEntries(
    @Args(() => JournalEntriesArgs) args: JournalEntriesArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Page<JournalEntryType>> {
    if ((args.accountCode == null) !== (args.currency == null)) {
      throw new InputError('accountCode and currency go together', 'accountCode');
    }
    const account =
      args.accountCode && args.currency ? { code: args.accountCode, currency: args.currency } : null;
    const slice = await this.ledgerService.listEntries(
      ledgerScopeFor(requireViewer(ctx)),
      {
        referenceType: args.referenceType,
        referenceId: args.referenceId,
        account,
        from: args.from,
        to: args.to,
      },
      pageOf(args),
    );
    return toConnection(slice, (e) => e.id, toEntryType);
  }

  @Authorized(...LEDGER_READERS)
  @Query(() => StatementLineConnection, { description: 'Postings of one account with the running balance.' })
  async accountStatement(
    @Args(() => AccountStatementArgs) args: AccountStatementArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Page<StatementLineType>> {
    const scope = ledgerScopeFor(requireViewer(ctx));
    const slice = await this.ledgerService.statement(scope, args.code, args.currency, pageOf(args));
    return toConnection(slice, (line) => line.postingId, toStatementLineType);
  }

  @Authorized(Role.FINANCE, Role.ADMIN)
  @Query(() => [TrialBalanceLineType], {
    description: 'Per currency: total debits, total credits, equal or not.',
  })
  async trialBalance(): Promise<TrialBalanceLineType[]> {
    return (await this.ledgerService.trialBalance()).map(toTrialBalanceLineType);
  }

  @FieldResolver(() => [PostingType], { description: 'Owners see only the legs on their own accounts.' })
  postings(
    @Root() entry: JournalEntryType,
    @Arg('first', () => Int, listFirst(50)) first: number | null,
  ): PostingType[] {
    return entry.postings.slice(0, pageSize(first));
  }
}

function pageOf(args: { first?: number | null; after?: string | null }): PageRequest {
  const after = decodeCursor(args.after, 1);
  return { first: pageSize(args.first), afterId: after === null ? null : String(after[0]) };
}
