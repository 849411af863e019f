import { recordAudit, type Actor } from '../audit/index.js';
import { ConfigError, type RiskRuleSetting } from '../config/index.js';
import { inTransaction, sqlOn, sqlOnPool, toDate, type Orm } from '../db/index.js';
import { RiskError } from './risk.errors.js';
import type { RiskAction, RiskRuleMode, RuleVersion } from './risk.model.js';
import { CUSTOMER_RULES, PLATFORM_RULES, type RegisteredRule } from './rules/index.js';

/** A rule's current version with its parameters parsed by the rule's own schema. */
export interface ActiveRule {
  readonly rule: RegisteredRule;
  readonly version: RuleVersion;
  readonly params: unknown;
}

export interface RuleChange {
  readonly ruleId: string;
  /** Parameters to change, as text: integers where the rule has numbers, as given where it has strings. */
  readonly params?: readonly { readonly name: string; readonly value: string }[] | undefined;
  readonly action?: RiskAction | undefined;
  readonly mode?: RiskRuleMode | undefined;
  readonly note?: string | undefined;
}

interface VersionRow {
  rule_id: string;
  version: number;
  params: Record<string, unknown>;
  action: RiskAction;
  mode: RiskRuleMode;
  created_by: string;
  created_at: Date;
  note: string | null;
}

const toVersion = (row: VersionRow): RuleVersion => ({
  ruleId: row.rule_id,
  version: row.version,
  params: row.params,
  action: row.action,
  mode: row.mode,
  createdBy: row.created_by,
  createdAt: toDate(row.created_at),
  note: row.note,
});

const ALL_RULES = [...CUSTOMER_RULES, ...PLATFORM_RULES];

export function ruleById(ruleId: string): RegisteredRule {
  const rule = ALL_RULES.find((r) => r.id === ruleId);
  if (!rule) throw new RiskError('RISK_RULE_NOT_FOUND', `no rule ${ruleId}`);
  return rule;
}

export function parseParamsOrThrow(rule: RegisteredRule, raw: unknown): unknown {
  const parsed = rule.parseParams(raw);
  if (!parsed.ok) throw new RiskError('RISK_INVALID_PARAMS', `${rule.id}: ${parsed.message}`);
  return parsed.params;
}

/**
 * Rule versions: the configured defaults become version 1 of a rule that has none; ADMIN edits insert
 * the next version (audited). Each process keeps the current versions for `cacheMs`.
 */
export class RuleStore {
  private cached: { at: number; rules: ReadonlyMap<string, ActiveRule> } | undefined;
  private seeded = false;

  constructor(
    private readonly orm: Orm,
    private readonly defaults: Readonly<Record<string, RiskRuleSetting>>,
    private readonly cacheMs: number,
  ) {
    for (const rule of ALL_RULES) {
      const setting = defaults[rule.id];
      if (!setting)
        throw new ConfigError(`Invalid configuration: RISK_RULES: no defaults for rule ${rule.id}`);
      const parsed = rule.parseParams(setting.params);
      if (!parsed.ok)
        throw new ConfigError(`Invalid configuration: RISK_RULES: ${rule.id}: ${parsed.message}`);
    }
  }

  /** The current version of every rule. */
  async current(): Promise<ReadonlyMap<string, ActiveRule>> {
    if (this.cached && Date.now() - this.cached.at < this.cacheMs) return this.cached.rules;
    await this.seed();
    const rows = await sqlOnPool(this.orm).prepared<VersionRow>(
      `select distinct on (rule_id) * from risk_rule_version order by rule_id, version desc`,
    );
    const rules = new Map<string, ActiveRule>();
    for (const row of rows) {
      const rule = ALL_RULES.find((r) => r.id === row.rule_id);
      if (rule)
        rules.set(rule.id, { rule, version: toVersion(row), params: parseParamsOrThrow(rule, row.params) });
    }
    this.cached = { at: Date.now(), rules };
    return rules;
  }

  async history(ruleId: string): Promise<RuleVersion[]> {
    ruleById(ruleId);
    await this.seed();
    const rows = await sqlOnPool(this.orm).rows<VersionRow>(
      `select * from risk_rule_version where rule_id = $1 order by version desc`,
      [ruleId],
    );
    return rows.map(toVersion);
  }

  async version(ruleId: string, version: number): Promise<RuleVersion | null> {
    const [row] = await sqlOnPool(this.orm).rows<VersionRow>(
      `select * from risk_rule_version where rule_id = $1 and version = $2`,
      [ruleId, version],
    );
    return row ? toVersion(row) : null;
  }

  /** A new version with the change applied over the current one; none when nothing changes. */
  async change(change: RuleChange, actor: Actor): Promise<RuleVersion> {
    const rule = ruleById(change.ruleId);
    await this.seed();
    const saved = await inTransaction(this.orm, async (em) => {
      const sql = sqlOn(em);
      const [current] = await sql.rows<VersionRow>(
        `select * from risk_rule_version where rule_id = $1 order by version desc limit 1 for update`,
        [rule.id],
      );
      if (!current) throw new Error(`rule ${rule.id} has no version after seeding`);
      const params = { ...current.params, ...applyParamChanges(current.params, change.params ?? []) };
      parseParamsOrThrow(rule, params);
      const action = change.action ?? current.action;
      const mode = change.mode ?? current.mode;
      const same =
        JSON.stringify(sorted(params)) === JSON.stringify(sorted(current.params)) &&
        action === current.action &&
        mode === current.mode;
      if (same) return current;
      const [row] = await sql.rows<VersionRow>(
        `insert into risk_rule_version (rule_id, version, params, action, mode, created_by, note)
         values ($1, $2, $3, $4, $5, $6, $7) returning *`,
        [rule.id, current.version + 1, JSON.stringify(params), action, mode, actor.id, change.note ?? null],
      );
      await recordAudit(sql, {
        actor,
        action: 'risk.rule.changed',
        subjectType: 'risk_rule',
        subjectId: `${rule.id}:${row!.version}`,
        before: {
          version: current.version,
          params: current.params,
          action: current.action,
          mode: current.mode,
        },
        after: { version: row!.version, params, action, mode, note: change.note ?? null },
      });
      return row!;
    });
    this.cached = undefined;
    return toVersion(saved);
  }

  private async seed(): Promise<void> {
    if (this.seeded) return;
    const settings = ALL_RULES.map((rule) => ({ ruleId: rule.id, ...this.defaults[rule.id]! }));
    await sqlOnPool(this.orm).rows(
      `insert into risk_rule_version (rule_id, version, params, action, mode, created_by, note)
       select s.rule_id, 1, s.params, s.action, s.mode, 'config', 'default from configuration'
         from jsonb_to_recordset($1::jsonb) as s(rule_id text, params jsonb, action text, mode text)
        where not exists (select 1 from risk_rule_version v where v.rule_id = s.rule_id)
       on conflict (rule_id, version) do nothing`,
      [
        JSON.stringify(
          settings.map((s) => ({ rule_id: s.ruleId, params: s.params, action: s.action, mode: s.mode })),
        ),
      ],
    );
    this.seeded = true;
  }
}

/** `changes` (text values) applied over `current`: integers where the current value is a number. */
export function applyParamChanges(
  current: Readonly<Record<string, unknown>>,
  changes: readonly { readonly name: string; readonly value: string }[],
): Record<string, unknown> {
  return Object.fromEntries(
    changes.map(({ name, value }): [string, unknown] => {
      if (typeof current[name] !== 'number') return [name, value];
      if (!/^-?\d{1,15}$/.test(value)) throw new RiskError('RISK_INVALID_PARAMS', `${name}: an integer`);
      return [name, Number(value)];
    }),
  );
}

function sorted(value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
}
