import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Role } from '../src/auth/index.js';
import {
  actorOf,
  decodeCursor,
  pageSize,
  toPage,
  type GraphQLContext,
  type Page,
} from '../src/graphql/index.js';
import { ReconError } from './recon.errors.js';
import { isBillDate, shanghaiDate, type ReconProvider } from './recon.model.js';
import type { ItemView, ReconQueries, RunView } from './recon.queries.js';
import type { ReconciliationService } from './recon.service.js';
import {
  AgingBucketType,
  CategoryFigureType,
  DiscrepanciesArgs,
  DiscrepancyConnection,
  DiscrepancyType,
  ReconProviderEnum,
  ReconRunConnection,
  ReconRunType,
  ResolveActionEnum,
  ResolveInput,
  RunResultType,
  RunsArgs,
  TrendDayType,
  toAgingType,
  toCategoryType,
  toDiscrepancyType,
  toRunType,
  toTrendType,
} from './recon.types.js';

const FINANCE = [Role.FINANCE, Role.ADMIN];

function checkDate(value: string | null | undefined, field: string): void {
  if (value != null && !isBillDate(value))
    throw new ReconError('INVALID_BILL_DATE', `${field} must be YYYY-MM-DD`);
}

/** Finance's view of reconciliation: runs, their figures, discrepancies and what to do about them. */
@Resolver(() => ReconRunType)
export class ReconciliationResolver {
  constructor(private readonly reconciliationService: ReconciliationService) {}

  @Authorized(...FINANCE)
  @Query(() => ReconRunConnection, {
    description: 'Runs, newest bill date first; current runs only unless asked.',
  })
  async reconciliationRuns(@Args(() => RunsArgs) args: RunsArgs): Promise<Page<ReconRunType>> {
    checkDate(args.filter?.from, 'from');
    checkDate(args.filter?.to, 'to');
    const first = pageSize(args.first);
    const rows = await this.reconciliationService.queries.runs(
      { ...args.filter },
      { first, after: decodeCursor(args.after, 3) },
    );
    return toPage(rows, first, (r: RunView) => [r.billDate, r.startedAt.toISOString(), r.id], toRunType);
  }

  @Authorized(...FINANCE)
  @Query(() => ReconRunType, { nullable: true })
  async reconciliationRun(@Arg('id', () => ID) id: string): Promise<ReconRunType | null> {
    const run = await this.reconciliationService.queries.run(id);
    return run === null ? null : toRunType(run);
  }

  @FieldResolver(() => [CategoryFigureType], { description: 'Counts and sums of discrepancies by category.' })
  async categories(@Root() run: ReconRunType): Promise<CategoryFigureType[]> {
    const figures = await this.reconciliationService.queries.categories(run.id);
    return figures.map((f) => toCategoryType(f, run.matchedTotal.currency));
  }

  @FieldResolver(() => DiscrepancyConnection, {
    description: 'This run’s discrepancies (the CSV report’s rows).',
  })
  async discrepancies(
    @Root() run: ReconRunType,
    @Args(() => DiscrepanciesArgs) args: DiscrepanciesArgs,
  ): Promise<Page<DiscrepancyType>> {
    return itemsPage(this.reconciliationService.queries, {
      ...args,
      filter: { ...args.filter, runId: run.id },
    });
  }

  @Authorized(...FINANCE)
  @Query(() => DiscrepancyConnection, {
    name: 'discrepancies',
    description: 'Discrepancies of current runs (or one run), newest first.',
  })
  async allDiscrepancies(
    @Args(() => DiscrepanciesArgs) args: DiscrepanciesArgs,
  ): Promise<Page<DiscrepancyType>> {
    return itemsPage(this.reconciliationService.queries, args);
  }

  @Authorized(...FINANCE)
  @Query(() => [TrendDayType], {
    description: 'Per bill date (oldest first): matched and discrepancies of its current run.',
  })
  async reconciliationTrend(
    @Arg('provider', () => ReconProviderEnum) provider: ReconProviderEnum,
    @Arg('days', () => Int, { defaultValue: 30, description: '1–366' }) days: number,
    @Arg('to', () => String, { nullable: true, description: 'Last bill date (default: yesterday).' })
    to: string | null,
  ): Promise<TrendDayType[]> {
    checkDate(to, 'to');
    if (!Number.isInteger(days) || days < 1 || days > 366)
      throw new ReconError('INVALID_FILTER', 'days must be 1–366');
    const last = to ?? shanghaiDate(new Date(Date.now() - 86_400_000));
    return (await this.reconciliationService.queries.trend(provider as ReconProvider, last, days)).map(
      toTrendType,
    );
  }

  @Authorized(...FINANCE)
  @Query(() => [AgingBucketType], { description: 'Unresolved discrepancies by age bucket.' })
  async reconciliationAging(
    @Arg('provider', () => ReconProviderEnum, { nullable: true }) provider: ReconProviderEnum | null,
  ): Promise<AgingBucketType[]> {
    return (await this.reconciliationService.queries.aging(provider as ReconProvider | null, new Date())).map(
      toAgingType,
    );
  }

  @Authorized(...FINANCE)
  @Mutation(() => RunResultType, {
    description: 'Reconcile a provider’s bill date now (re-runs replace, keeping history).',
  })
  async runReconciliation(
    @Arg('provider', () => ReconProviderEnum) provider: ReconProviderEnum,
    @Arg('billDate', () => String) billDate: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RunResultType> {
    const outcome = await this.reconciliationService.reconcile({
      provider: provider,
      billDate,
      trigger: 'GRAPHQL',
      actor: actorOf(ctx),
    });
    const result = new RunResultType();
    result.status = outcome.status;
    result.run =
      outcome.status === 'NOT_READY'
        ? null
        : toRunType(await this.reconciliationService.queries.requireRun(outcome.runId));
    return result;
  }

  @Authorized(...FINANCE)
  @Mutation(() => DiscrepancyType, { description: 'Decide on an open discrepancy (audited; once).' })
  async resolveDiscrepancy(
    @Arg('input', () => ResolveInput) input: ResolveInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DiscrepancyType> {
    const note = input.note ?? '';
    const actor = actorOf(ctx);
    const recon = this.reconciliationService;
    if (input.action === ResolveActionEnum.LINK) {
      if (!input.linkType || !input.linkId)
        throw new ReconError('INVALID_RESOLUTION', 'LINK needs linkType and linkId');
      await recon.resolve(
        input.id,
        { action: 'LINK', note, targetType: input.linkType, targetId: input.linkId },
        actor,
      );
    } else {
      await recon.resolve(input.id, { action: input.action, note }, actor);
    }
    const item = await recon.queries.item(input.id, new Date());
    if (item === null) throw new ReconError('DISCREPANCY_NOT_FOUND', `no discrepancy ${input.id}`);
    return toDiscrepancyType(item);
  }
}

async function itemsPage(queries: ReconQueries, args: DiscrepanciesArgs): Promise<Page<DiscrepancyType>> {
  const f = args.filter ?? {};
  for (const [name, v] of [
    ['minAgeDays', f.minAgeDays],
    ['maxAgeDays', f.maxAgeDays],
  ] as const)
    if (v != null && (!Number.isInteger(v) || v < 0))
      throw new ReconError('INVALID_FILTER', `${name} must be ≥ 0`);
  const first = pageSize(args.first);
  const rows = await queries.items(
    {
      ...f,
      provider: f.provider,
      category: f.category,
    },
    { first, after: decodeCursor(args.after, 2) },
    new Date(),
  );
  return toPage(rows, first, (r: ItemView) => [r.billDate, r.id], toDiscrepancyType);
}
