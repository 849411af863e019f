import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  GraphQLISODateTime,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Role } from '../auth/index.js';
import { InputError } from '../errors/index.js';
import {
  actorOf,
  decodeCursor,
  listFirst,
  pageSize,
  requireViewer,
  toPage,
  type GraphQLContext,
  type Page,
} from '../graphql/index.js';
import { LiablePartyEnum } from '../refunds/index.js';
import { CaseError } from './cases.errors.js';
import { mayViewCase } from './cases.service.js';
import { CaseConnection, CaseType, toCaseType } from './cases.types.js';
import { RULE_IDS, type RuleId } from './case.rules.js';
import {
  AppealType,
  AuditEntryType,
  MetricsType,
  QueueArgs,
  QueueSortEnum,
  RuleVersionType,
  SimilarCasesType,
  StatusCountType,
  QueueFilterInput,
  toAppealType,
  toAuditEntryType,
  toMetricsType,
  toRuleVersionType,
} from './cases-support.types.js';
import type { QueueFilter } from './case.support.js';
import type { CaseRuleStore } from './case-rules.store.js';
import type { CasesService } from './cases.service.js';

const BACK = [Role.SUPPORT, Role.ADMIN];

function queueFilter(input: QueueFilterInput | null | undefined): QueueFilter {
  const f = input ?? {};
  if (f.olderThanMinutes !== null && f.olderThanMinutes !== undefined && f.olderThanMinutes < 0) {
    throw new InputError('olderThanMinutes must not be negative', 'olderThanMinutes');
  }
  return {
    statuses: f.statuses ?? undefined,
    type: f.type ?? undefined,
    severity: f.severity ?? undefined,
    assigneeId: f.assigneeId ?? undefined,
    merchantId: f.merchantId ?? undefined,
    createdBefore:
      f.olderThanMinutes === null || f.olderThanMinutes === undefined
        ? undefined
        : new Date(Date.now() - f.olderThanMinutes * 60_000),
    createdAfter: f.createdAfter ?? undefined,
  };
}

function ruleIdOf(value: string): RuleId {
  if (!(RULE_IDS as string[]).includes(value)) {
    throw new CaseError('INVALID_RULE_PARAMS', `unknown rule ${value}`, { ruleId: value });
  }
  return value as RuleId;
}

/** The support side of cases: queue, assignment, evidence, appeals, audit, metrics, rule parameters. */
@Resolver(() => CaseType)
export class CaseSupportResolver {
  constructor(
    private readonly casesService: CasesService,
    private readonly caseRules: CaseRuleStore,
  ) {}

  @Authorized(...BACK)
  @Query(() => CaseConnection, {
    description: 'The support queue, filtered and sorted (default: open cases, oldest first).',
  })
  async caseQueue(
    @Args(() => QueueArgs) args: QueueArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Page<CaseType>> {
    const viewer = requireViewer(ctx);
    const limit = pageSize(args.first);
    const cursor = decodeCursor(args.after, 2);
    const rows = await this.casesService.support.queue(
      queueFilter(args.filter),
      args.sort ?? QueueSortEnum.OLDEST,
      limit + 1,
      cursor ? { createdAt: String(cursor[0]), id: String(cursor[1]) } : null,
    );
    return toPage(
      rows,
      limit,
      (r) => [r.createdAt.toISOString(), r.id],
      (r) => toCaseType(r, viewer),
    );
  }

  @Authorized(...BACK)
  @Query(() => [StatusCountType], { description: 'How many cases match the filter, by status.' })
  async caseQueueCounts(
    @Arg('filter', () => QueueFilterInput, { nullable: true }) filter: QueueFilterInput | null | undefined,
  ): Promise<StatusCountType[]> {
    const counts = await this.casesService.support.counts(queueFilter(filter));
    return counts.map((c) => Object.assign(new StatusCountType(), c));
  }

  @Authorized(Role.SUPPORT)
  @Mutation(() => CaseType, { description: 'Assign a case to an agent (null: release it).' })
  async assignCase(
    @Arg('caseId', () => ID) caseId: string,
    @Arg('assigneeId', () => String, { nullable: true }) assigneeId: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CaseType> {
    const view = await this.casesService.support.assign(caseId, assigneeId ?? null, actorOf(ctx));
    return toCaseType(view, requireViewer(ctx));
  }

  @Authorized(Role.SUPPORT)
  @Mutation(() => CaseType, { description: 'Take a case: assign it to yourself.' })
  async takeCase(@Arg('caseId', () => ID) caseId: string, @Ctx() ctx: GraphQLContext): Promise<CaseType> {
    const viewer = requireViewer(ctx);
    return toCaseType(await this.casesService.support.assign(caseId, viewer.subject, actorOf(ctx)), viewer);
  }

  @Authorized(Role.SUPPORT)
  @Mutation(() => CaseType, {
    description: 'Ask the customer for more evidence; the case waits, the customer is told.',
  })
  async requestCaseEvidence(
    @Arg('caseId', () => ID) caseId: string,
    @Arg('note', () => String) note: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CaseType> {
    return toCaseType(
      await this.casesService.support.requestEvidence(caseId, note, actorOf(ctx)),
      requireViewer(ctx),
    );
  }

  @Authorized(Role.CUSTOMER)
  @Mutation(() => CaseType, {
    description: 'Add evidence to your case; a case waiting for it returns to review.',
  })
  async supplyCaseEvidence(
    @Arg('caseId', () => ID) caseId: string,
    @Arg('evidence', () => [String]) evidence: string[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<CaseType> {
    return toCaseType(
      await this.casesService.support.supplyEvidence(caseId, evidence, actorOf(ctx)),
      requireViewer(ctx),
    );
  }

  @Authorized(Role.CUSTOMER)
  @Mutation(() => CaseType, { description: 'Rate your resolved case, 1–5, once.' })
  async rateCase(
    @Arg('caseId', () => ID) caseId: string,
    @Arg('rating', () => Int) rating: number,
    @Arg('comment', () => String, { nullable: true }) comment: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CaseType> {
    return toCaseType(
      await this.casesService.rate(caseId, rating, comment ?? null, actorOf(ctx)),
      requireViewer(ctx),
    );
  }

  @Authorized(Role.MERCHANT, Role.RIDER)
  @Query(() => CaseConnection, { description: 'Cases that hold you liable, newest first.' })
  async liableCases(
    @Args(() => QueueArgs) args: QueueArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Page<CaseType>> {
    const viewer = requireViewer(ctx);
    const limit = pageSize(args.first);
    const cursor = decodeCursor(args.after, 2);
    const rows = await this.casesService.liableCases(
      viewer.role === Role.RIDER ? 'RIDER' : 'MERCHANT',
      viewer.subject,
      limit + 1,
      cursor ? { createdAt: String(cursor[0]), id: String(cursor[1]) } : null,
    );
    return toPage(
      rows,
      limit,
      (r) => [r.createdAt.toISOString(), r.id],
      (r) => toCaseType(r, viewer),
    );
  }

  @Authorized(Role.MERCHANT, Role.RIDER)
  @Mutation(() => AppealType, {
    description: 'Appeal the decision that holds you liable (within the window, once).',
  })
  async appealCase(
    @Arg('caseId', () => ID) caseId: string,
    @Arg('statement', () => String) statement: string,
    @Arg('evidence', () => [String], { nullable: true }) evidence: string[] | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AppealType> {
    return toAppealType(
      await this.casesService.appeals.appeal(caseId, statement, evidence ?? [], actorOf(ctx)),
    );
  }

  @Authorized(Role.SUPPORT)
  @Mutation(() => AppealType, {
    description:
      'Second review by another agent: uphold, or overturn naming who bears the cost now (moved in the ledger).',
  })
  async reviewAppeal(
    @Arg('appealId', () => ID) appealId: string,
    @Arg('overturn', () => Boolean) overturn: boolean,
    @Arg('newLiableParty', () => LiablePartyEnum, { nullable: true })
    newLiable: LiablePartyEnum | null | undefined,
    @Arg('note', () => String) note: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AppealType> {
    if (overturn && !newLiable) throw new InputError('overturning needs newLiableParty', 'newLiableParty');
    const view = await this.casesService.appeals.review(
      appealId,
      overturn ? { newLiable: newLiable! } : null,
      note,
      actorOf(ctx),
    );
    return toAppealType(view);
  }

  @FieldResolver(() => [AppealType])
  async appeals(
    @Root() root: CaseType,
    @Arg('first', () => Int, listFirst(10)) first: number | null,
  ): Promise<AppealType[]> {
    return (await this.casesService.appeals.ofCase(root.id, pageSize(first))).map(toAppealType);
  }

  @FieldResolver(() => [AuditEntryType], {
    nullable: true,
    description: 'The audit trail (support and admins only).',
  })
  async audit(
    @Root() root: CaseType,
    @Arg('first', () => Int, listFirst(50)) first: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AuditEntryType[] | null> {
    const limit = pageSize(first);
    if (!BACK.includes(requireViewer(ctx).role)) return null;
    return (await this.casesService.auditTrail(root.id, limit)).map(toAuditEntryType);
  }

  @FieldResolver(() => SimilarCasesType, { nullable: true, description: 'Support and admins only.' })
  async similarCases(@Root() root: CaseType, @Ctx() ctx: GraphQLContext): Promise<SimilarCasesType | null> {
    const viewer = requireViewer(ctx);
    if (!BACK.includes(viewer.role)) return null;
    const view = await this.casesService.get(root.id);
    if (!view || !mayViewCase(viewer, view)) return null;
    const similar = await this.casesService.support.similar(view);
    return Object.assign(new SimilarCasesType(), {
      customer: similar.customer.map((c) => toCaseType(c, viewer)),
      merchant: similar.merchant.map((c) => toCaseType(c, viewer)),
      rider: similar.rider.map((c) => toCaseType(c, viewer)),
    });
  }

  @Authorized(Role.SUPPORT, Role.ADMIN)
  @Query(() => MetricsType, { description: 'After-sales metrics over the cases opened in [from, to).' })
  async caseMetrics(
    @Arg('from', () => GraphQLISODateTime) from: Date,
    @Arg('to', () => GraphQLISODateTime) to: Date,
  ): Promise<MetricsType> {
    if (!(from.getTime() < to.getTime())) throw new InputError('from must be before to', 'from');
    if (to.getTime() - from.getTime() > 400 * 86_400_000) throw new InputError('at most 400 days', 'to');
    return toMetricsType(await this.casesService.metrics.metrics(from, to));
  }

  @Authorized(Role.ADMIN)
  @Query(() => [RuleVersionType], { description: 'Every version of a case rule’s parameters, newest first.' })
  async caseRuleVersions(
    @Arg('ruleId', () => String) ruleId: string,
    @Arg('first', () => Int, listFirst(20)) first: number | null,
  ): Promise<RuleVersionType[]> {
    const limit = pageSize(first);
    return (await this.caseRules.versions(ruleIdOf(ruleId), limit)).map(toRuleVersionType);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => RuleVersionType, {
    description: 'New parameters for a case rule: a new version, in force at once.',
  })
  async setCaseRuleParams(
    @Arg('ruleId', () => String) ruleId: string,
    @Arg('params', () => String, { description: 'JSON parameters.' }) params: string,
    @Arg('note', () => String) note: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RuleVersionType> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(params);
    } catch {
      throw new CaseError('INVALID_RULE_PARAMS', 'params must be JSON', { ruleId });
    }
    return toRuleVersionType(await this.caseRules.addVersion(ruleIdOf(ruleId), parsed, note, actorOf(ctx)));
  }
}
