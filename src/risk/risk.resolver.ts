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
import { Role } from '../auth/index.js';
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
import { RefundType, type RefundService } from '../refunds/index.js';
import type { RiskService } from './risk.service.js';
import type { RiskFlagRef, RiskRouting } from './risk.model.js';
import { ruleById } from './risk.rules-store.js';
import {
  RefundRiskType,
  RiskBacktestInput,
  RiskBacktestType,
  toBacktestType,
  RiskFlagConnection,
  RiskFlagsArgs,
  RiskFlagType,
  RiskRuleType,
  RiskRuleVersionType,
  toRefundRiskType,
  toRiskFlagType,
  toRiskRuleType,
  toRuleVersionType,
  UpdateRiskRuleInput,
} from './risk.types.js';

const HOUR_MS = 3_600_000;

/** Flags and rules are back-office only: customers never see them. */
@Resolver(() => RiskFlagType)
export class RiskResolver {
  constructor(private readonly risk: RiskService) {}

  @Authorized(Role.SUPPORT, Role.ADMIN)
  @Query(() => RiskFlagConnection, { description: 'Risk flags, newest first.' })
  async riskFlags(@Args(() => RiskFlagsArgs) args: RiskFlagsArgs): Promise<Page<RiskFlagType>> {
    const limit = pageSize(args.first);
    const cursor = decodeCursor(args.after, 2);
    const f = args.filter ?? {};
    const now = Date.now();
    const rows = await this.risk.listFlags(
      {
        ruleId: f.ruleId ?? undefined,
        status: f.status ?? undefined,
        action: f.action ?? undefined,
        subjectKind: f.subjectKind ?? undefined,
        subjectId: f.subjectId ?? undefined,
        raisedBefore: f.minAgeHours == null ? undefined : new Date(now - f.minAgeHours * HOUR_MS),
        raisedAfter: f.maxAgeHours == null ? undefined : new Date(now - f.maxAgeHours * HOUR_MS),
      },
      limit + 1,
      cursor ? { raisedAt: String(cursor[0]), id: String(cursor[1]) } : null,
    );
    return toPage(rows, limit, (r) => [r.raisedAt.toISOString(), r.id], toRiskFlagType);
  }

  @Authorized(Role.SUPPORT, Role.ADMIN)
  @Query(() => RiskFlagType, { nullable: true, description: 'One flag with its evidence.' })
  async riskFlag(@Arg('id', () => ID) id: string): Promise<RiskFlagType | null> {
    const flag = await this.risk.getFlag(id);
    return flag ? toRiskFlagType(flag) : null;
  }

  @Authorized(Role.SUPPORT, Role.ADMIN)
  @Mutation(() => RiskFlagType, {
    description: 'Clears an active flag (audited); the same rule version does not re-flag the same activity.',
  })
  async clearRiskFlag(
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String) reason: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RiskFlagType> {
    return toRiskFlagType(await this.risk.clearFlag(id, reason, actorOf(ctx)));
  }

  @Authorized(Role.SUPPORT, Role.ADMIN)
  @Query(() => [RiskRuleType], { description: 'Every rule with its current version.' })
  async riskRules(): Promise<RiskRuleType[]> {
    const current = await this.risk.rules.current();
    return [...current.values()].map((a) => toRiskRuleType(a.rule, a.version));
  }

  @Authorized(Role.SUPPORT, Role.ADMIN)
  @Query(() => [RiskRuleVersionType], { description: 'Every version of a rule, newest first.' })
  async riskRuleVersions(
    @Arg('ruleId', () => String) ruleId: string,
    @Arg('first', () => Int, listFirst(20)) first: number | null,
  ): Promise<RiskRuleVersionType[]> {
    return (await this.risk.rules.history(ruleId)).slice(0, pageSize(first)).map(toRuleVersionType);
  }

  @Authorized(Role.ADMIN)
  @Query(() => RiskBacktestType, {
    description:
      'Replays a customer rule version, or a proposed parameter set, over a past period: how many it would have flagged, how many of those later had cases rejected or overturned, and a sample. Writes nothing.',
  })
  async riskBacktest(
    @Arg('input', () => RiskBacktestInput) input: RiskBacktestInput,
  ): Promise<RiskBacktestType> {
    const result = await this.risk.backtest({
      ruleId: input.ruleId,
      version: input.version ?? undefined,
      params: input.params ?? undefined,
      from: input.from,
      to: input.to,
      sample: input.sample ?? undefined,
    });
    return toBacktestType(result);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => RiskRuleType, {
    description:
      'Changes a rule’s parameters, action or mode: a new version (audited); old flags keep theirs.',
  })
  async updateRiskRule(
    @Arg('input', () => UpdateRiskRuleInput) input: UpdateRiskRuleInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RiskRuleType> {
    const version = await this.risk.rules.change(
      {
        ruleId: input.ruleId,
        params: input.params ?? undefined,
        action: input.action ?? undefined,
        mode: input.mode ?? undefined,
        note: input.note ?? undefined,
      },
      actorOf(ctx),
    );
    return toRiskRuleType(ruleById(input.ruleId), version);
  }
}

/** Whether a flag routed a refund request: shown to the back office on every refund. */
const BACK_OFFICE_RISK: readonly Role[] = [Role.SUPPORT, Role.ADMIN, Role.FINANCE];

@Resolver(() => RefundType)
export class RefundRiskResolver {
  constructor(private readonly refunds: RefundService) {}

  @FieldResolver(() => RefundRiskType, {
    nullable: true,
    description: 'How risk flags routed this refund request (back office only: null for everyone else).',
  })
  async risk(@Root() refund: RefundType, @Ctx() ctx: GraphQLContext): Promise<RefundRiskType | null> {
    // Null, not FORBIDDEN: a refused non-null field would null the refund (and its order) for its owner.
    if (!BACK_OFFICE_RISK.includes(requireViewer(ctx).role)) return null;
    const request = (await this.refunds.events(refund.id)).find((e) => e.source === 'REQUEST');
    const found = request?.detail?.['risk'] as { routing: RiskRouting; flags: RiskFlagRef[] } | undefined;
    return toRefundRiskType(found?.routing ?? 'NONE', found?.flags ?? []);
  }
}
