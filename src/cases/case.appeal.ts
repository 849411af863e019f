import type { Actor } from '../audit/index.js';
import {
  inTransaction,
  newId,
  sqlOn,
  sqlOnPool,
  toBigint,
  toDate,
  type Sql,
  type TableRow,
} from '../db/index.js';
import { appealCostMove } from '../ledger/index.js';
import { money } from '../money/index.js';
import type { CaseAppeal } from './case.entity.js';
import { CaseError } from './cases.errors.js';
import type { CasesDeps } from './cases.deps.js';
import type { LiableKind } from './cases.model.js';
import { liablePartyOf } from './case.execute.js';
import { changeCase, decisionBySeq, lockCase, notify } from './case.store.js';
import { validEvidence, validDescription } from './case.validation.js';
import type { DecisionRow } from './decision.row.js';

/** A `case_appeal` row as PostgreSQL returns it whole, typed from the entity. */
export type AppealRow = TableRow<
  CaseAppeal,
  | 'id'
  | 'case'
  | 'decision'
  | 'appellantId'
  | 'appellantRole'
  | 'statement'
  | 'evidence'
  | 'status'
  | 'newLiableKind'
  | 'newLiableId'
  | 'reviewerId'
  | 'reviewNote'
  | 'reviewedAt'
  | 'ledgerEntryId'
  | 'createdAt'
>;

export interface AppealView {
  readonly id: string;
  readonly caseId: string;
  readonly decisionId: string;
  readonly appellantRole: string;
  readonly appellantId: string;
  readonly statement: string;
  readonly evidence: readonly string[];
  readonly status: 'PENDING' | 'UPHELD' | 'OVERTURNED';
  readonly newLiableKind: LiableKind | null;
  readonly reviewerId: string | null;
  readonly reviewNote: string | null;
  readonly reviewedAt: Date | null;
  readonly ledgerEntryId: string | null;
  readonly createdAt: Date;
}

export function toAppealView(row: AppealRow): AppealView {
  return {
    id: row.id,
    caseId: row.case_id,
    decisionId: row.decision_id,
    appellantRole: row.appellant_role,
    appellantId: row.appellant_id,
    statement: row.statement,
    evidence: row.evidence,
    status: row.status as AppealView['status'],
    newLiableKind: row.new_liable_kind as LiableKind | null,
    reviewerId: row.reviewer_id,
    reviewNote: row.review_note,
    reviewedAt: row.reviewed_at ? toDate(row.reviewed_at) : null,
    ledgerEntryId: row.ledger_entry_id,
    createdAt: toDate(row.created_at),
  };
}

/** Decisions whose cost moved money (and so can be moved between parties on appeal). */
const MONEY = ['FULL_REFUND', 'PARTIAL_REFUND', 'COUPON'];

/**
 * Appeals by the liable merchant or rider, and the second review by another agent. Overturning moves
 * the cost between liable parties in the ledger (`appealCostMove`); the customer keeps what they got.
 */
export class CaseAppeals {
  constructor(private readonly deps: CasesDeps) {}

  async appeal(
    caseId: string,
    statement: string,
    evidence: readonly string[],
    actor: Actor,
  ): Promise<AppealView> {
    const text = validDescription(statement);
    const urls = validEvidence(evidence);
    return inTransaction(this.deps.orm, async (em) => {
      const sql = sqlOn(em);
      const row = await lockCase(sql, caseId);
      const liable =
        (actor.role === 'MERCHANT' && row.liable_kind === 'MERCHANT' && row.merchant_id === actor.id) ||
        (actor.role === 'RIDER' && row.liable_kind === 'RIDER' && row.rider_id === actor.id);
      // A case the caller is not liable for reads as a missing one.
      if (!liable) throw new CaseError('CASE_NOT_FOUND', `case ${caseId} is unknown`);
      const decision = await decisionBySeq(sql, row.id, row.decision_count);
      if (!decision || decision.kind === 'REJECT' || !['DONE', 'EXECUTING'].includes(decision.status)) {
        throw new CaseError('APPEAL_NOT_ALLOWED', 'there is no decision to appeal');
      }
      const deadline = toDate(decision.created_at).getTime() + this.deps.settings.appealWindowMs;
      if (Date.now() > deadline) {
        throw new CaseError('APPEAL_WINDOW_EXPIRED', `appeals closed ${new Date(deadline).toISOString()}`, {
          closedAt: new Date(deadline).toISOString(),
        });
      }
      const [inserted] = await sql.rows<AppealRow>(
        `insert into case_appeal (id, case_id, decision_id, appellant_id, appellant_role, statement, evidence, status)
         values ($1, $2, $3, $4, $5, $6, $7, 'PENDING')
         on conflict (decision_id) do nothing returning *`,
        [newId('ap'), row.id, decision.id, actor.id, actor.role, text, JSON.stringify(urls)],
      );
      if (!inserted) throw new CaseError('APPEAL_EXISTS', 'this decision has already been appealed');
      await changeCase(sql, row, {}, { actor, action: 'case.appealed', after: { appealId: inserted.id } });
      return toAppealView(inserted);
    });
  }

  /**
   * The second review: another agent than the one who decided upholds the decision or overturns it,
   * naming who bears the cost now. Money already moved is re-assigned in the ledger; nothing is taken
   * back from the customer.
   */
  async review(
    appealId: string,
    overturn: { readonly newLiable: LiableKind } | null,
    note: string,
    actor: Actor,
  ): Promise<AppealView> {
    return inTransaction(this.deps.orm, async (em) => {
      const sql = sqlOn(em);
      const [found] = await sql.rows<AppealRow>(`select * from case_appeal where id = $1`, [appealId]);
      if (!found) throw new CaseError('CASE_NOT_FOUND', `appeal ${appealId} is unknown`);
      const row = await lockCase(sql, found.case_id);
      const [appeal] = await sql.rows<AppealRow>(`select * from case_appeal where id = $1 for update`, [
        appealId,
      ]);
      if (appeal!.status !== 'PENDING') {
        throw new CaseError('INVALID_CASE_STATE', `appeal ${appealId} is already ${appeal!.status}`, {
          status: appeal!.status,
        });
      }
      const [decision] = await sql.rows<DecisionRow>(`select * from case_decision where id = $1`, [
        appeal!.decision_id,
      ]);
      if (decision!.decided_by === actor.id) {
        throw new CaseError('SAME_REVIEWER', 'a second review needs another agent than the one who decided');
      }
      const reviewed = overturn
        ? await this.overturn(em, sql, row, decision!, appeal!, overturn.newLiable, note, actor)
        : await this.finish(sql, appeal!, 'UPHELD', null, null, note, actor);
      await changeCase(
        sql,
        row,
        overturn ? { set: { liable_kind: reviewed.new_liable_kind, liable_id: reviewed.new_liable_id } } : {},
        {
          actor,
          action: overturn ? 'case.appeal_overturned' : 'case.appeal_upheld',
          after: {
            appealId,
            newLiable: overturn?.newLiable ?? null,
            ledgerEntryId: reviewed.ledger_entry_id,
          },
        },
      );
      await this.tell(sql, row, reviewed);
      return toAppealView(reviewed);
    });
  }

  private async overturn(
    em: Parameters<typeof sqlOn>[0],
    sql: Sql,
    row: { id: string; merchant_id: string; rider_id: string | null },
    decision: DecisionRow,
    appeal: AppealRow,
    newLiable: LiableKind,
    note: string,
    actor: Actor,
  ): Promise<AppealRow> {
    if (newLiable === decision.liable_kind) {
      throw new CaseError('INVALID_CASE_INPUT', 'overturning names another liable party', {
        field: 'newLiableParty',
      });
    }
    const newId_ =
      newLiable === 'PLATFORM' ? null : newLiable === 'MERCHANT' ? row.merchant_id : row.rider_id;
    if (newLiable === 'RIDER' && newId_ === null) {
      throw new CaseError('INVALID_CASE_INPUT', 'this order has no rider to hold liable', {
        field: 'newLiableParty',
      });
    }
    let entryId: string | null = null;
    if (MONEY.includes(decision.kind)) {
      if (decision.status !== 'DONE') {
        throw new CaseError(
          'INVALID_CASE_STATE',
          'the decision is still being carried out: review it once it is done',
        );
      }
      const posted = await this.deps.ledger.post(
        appealCostMove({
          appealId: appeal.id,
          amount: money(toBigint(decision.amount_minor!), decision.currency),
          from: liablePartyOf(decision.liable_kind, decision.liable_id),
          to: liablePartyOf(newLiable, newId_),
          memo: `appeal ${appeal.id} on case ${row.id} overturned`,
        }),
        { em },
      );
      entryId = posted.entry.id;
    }
    return this.finish(sql, appeal, 'OVERTURNED', newLiable, newId_, note, actor, entryId);
  }

  private async finish(
    sql: Sql,
    appeal: AppealRow,
    status: 'UPHELD' | 'OVERTURNED',
    newLiable: LiableKind | null,
    newLiableId: string | null,
    note: string,
    actor: Actor,
    entryId: string | null = null,
  ): Promise<AppealRow> {
    const [updated] = await sql.rows<AppealRow>(
      `update case_appeal set status = $2, new_liable_kind = $3, new_liable_id = $4, reviewer_id = $5,
              review_note = $6, reviewed_at = now(), ledger_entry_id = $7
        where id = $1 returning *`,
      [appeal.id, status, newLiable, newLiableId, actor.id, note.trim().slice(0, 1000), entryId],
    );
    return updated!;
  }

  private async tell(sql: Sql, row: { id: string; customer_id: string }, appeal: AppealRow): Promise<void> {
    const kind = appeal.appellant_role === 'RIDER' ? 'RIDER' : 'MERCHANT';
    await notify(
      sql,
      this.deps.notifications,
      { kind, id: appeal.appellant_id },
      {
        kind: 'case.appeal_decided',
        title: appeal.status === 'OVERTURNED' ? 'Your appeal was granted' : 'Your appeal was not granted',
        body: appeal.review_note ?? '',
        dedupeKey: `case:${row.id}:appeal:${appeal.id}`,
        data: { caseId: row.id, appealId: appeal.id, status: appeal.status },
      },
    );
    if (appeal.new_liable_kind === 'MERCHANT' || appeal.new_liable_kind === 'RIDER') {
      await notify(
        sql,
        this.deps.notifications,
        { kind: appeal.new_liable_kind, id: appeal.new_liable_id! },
        {
          kind: 'case.liable',
          title: 'A case was assigned to you on appeal',
          body: `Case ${row.id} is now at your charge.`,
          dedupeKey: `case:${row.id}:appeal:${appeal.id}:liable`,
          data: { caseId: row.id, appealId: appeal.id },
        },
      );
    }
  }

  async ofCase(caseId: string, limit = 1000): Promise<AppealView[]> {
    const rows = await sqlOnPool(this.deps.orm).rows<AppealRow>(
      `select * from case_appeal where case_id = $1 order by created_at limit $2`,
      [caseId, limit],
    );
    return rows.map(toAppealView);
  }

  async get(appealId: string): Promise<AppealView | null> {
    const [row] = await sqlOnPool(this.deps.orm).rows<AppealRow>(`select * from case_appeal where id = $1`, [
      appealId,
    ]);
    return row ? toAppealView(row) : null;
  }
}
