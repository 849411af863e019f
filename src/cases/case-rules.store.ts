import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.js';
import { inTransaction, pgErrorOf, sqlOn, sqlOnPool, toDate, type Orm, type TableRow } from '../db/index.js';
import type { CaseRuleVersion } from './case-outcome.entity.js';
import { CaseError } from './cases.errors.js';
import {
  DEFAULT_RULE_PARAMS,
  defaultRuleBook,
  parseRuleParams,
  RULE_IDS,
  type RuleBook,
  type RuleId,
} from './case.rules.js';

export interface RuleVersionView {
  readonly ruleId: RuleId;
  readonly version: number;
  /** As stored (JSON; amounts as digit strings). */
  readonly params: Record<string, unknown>;
  readonly createdBy: string;
  readonly note: string;
  readonly createdAt: Date | null;
}

type VersionRow = TableRow<CaseRuleVersion, 'version' | 'params' | 'createdBy' | 'note' | 'createdAt'> & {
  rule_id: RuleId;
};

/**
 * Versioned rule parameters: the newest version of each rule is in force; older ones stay for the record.
 * The rule book in force is read once and kept for `cacheMs` (every report uses it: reading and parsing
 * it per report was a round trip and a zod parse each time); a version added through this store is in
 * force at once in this process, and in the others within `cacheMs`.
 */
export class CaseRuleStore {
  private cached: { at: number; book: Promise<RuleBook> } | undefined;

  constructor(
    private readonly orm: Orm,
    private readonly cacheMs = 1_000,
  ) {}

  current(): Promise<RuleBook> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= this.cacheMs) {
      const book = this.read();
      // A failed read is not kept: the next call reads again.
      book.catch(() => {
        if (this.cached?.book === book) this.cached = undefined;
      });
      this.cached = { at: now, book };
    }
    return this.cached.book;
  }

  private async read(): Promise<RuleBook> {
    const rows = await sqlOnPool(this.orm).prepared<VersionRow>(
      `select distinct on (rule_id) rule_id, version, params, created_by, note, created_at
         from case_rule_version order by rule_id, version desc`,
    );
    const book: Record<string, unknown> = { ...defaultRuleBook() };
    for (const row of rows) {
      if (!RULE_IDS.includes(row.rule_id)) continue;
      book[row.rule_id] = {
        ruleId: row.rule_id,
        version: row.version,
        params: parseRuleParams(row.rule_id, row.params),
      };
    }
    return book as RuleBook;
  }

  /** Newest first, `limit` at most; the built-in version 1 comes last. */
  async versions(ruleId: RuleId, limit = 1000): Promise<RuleVersionView[]> {
    const rows = await sqlOnPool(this.orm).rows<VersionRow>(
      `select * from case_rule_version where rule_id = $1 order by version desc limit $2`,
      [ruleId, limit],
    );
    if (rows.length === limit) return rows.map(toView);
    return [
      ...rows.map(toView),
      {
        ruleId,
        version: 1,
        params: DEFAULT_RULE_PARAMS[ruleId],
        createdBy: 'built-in',
        note: 'default',
        createdAt: null,
      },
    ];
  }

  /** A new version of a rule's parameters (validated first); the previous ones are kept. */
  async addVersion(ruleId: RuleId, params: unknown, note: string, actor: Actor): Promise<RuleVersionView> {
    try {
      parseRuleParams(ruleId, params);
    } catch (error) {
      const issue = error instanceof z.ZodError ? error.issues[0] : undefined;
      throw new CaseError(
        'INVALID_RULE_PARAMS',
        issue ? `${issue.path.join('.') || 'params'}: ${issue.message}` : 'invalid rule parameters',
        { ruleId },
      );
    }
    try {
      const view = await inTransaction(this.orm, async (em) => {
        const sql = sqlOn(em);
        const [row] = await sql.rows<VersionRow>(
          `insert into case_rule_version (rule_id, version, params, created_by, note)
           select $1::varchar, greatest(coalesce(max(version), 1), 1) + 1, $2::jsonb, $3::varchar, $4::varchar
             from case_rule_version where rule_id = $1::varchar
           returning *`,
          [ruleId, JSON.stringify(params), actor.id, note.slice(0, 500)],
        );
        await recordAudit(sql, {
          actor,
          action: 'case_rule.versioned',
          subjectType: 'case_rule',
          subjectId: ruleId,
          after: { version: row!.version, params: row!.params, note },
        });
        return toView(row!);
      });
      this.cached = undefined;
      return view;
    } catch (error) {
      if (pgErrorOf(error)?.code === '23505') {
        throw new CaseError('DECISION_CONFLICT', 'another version of this rule was added at the same time', {
          ruleId,
        });
      }
      throw error;
    }
  }
}

function toView(row: VersionRow): RuleVersionView {
  return {
    ruleId: row.rule_id,
    version: row.version,
    params: row.params,
    createdBy: row.created_by,
    note: row.note,
    createdAt: toDate(row.created_at),
  };
}
