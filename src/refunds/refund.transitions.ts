import { jsonSafe, type Actor } from '../audit/index.js';
import {
  newId,
  pgErrorOf,
  retryingTransaction,
  sqlOn,
  sqlOnPool,
  type EntityManager,
  type Orm,
  type Sql,
} from '../db/index.js';
import { translateLedgerError, type LedgerService } from '../ledger/index.js';
import type { NotificationsService } from '../notifications/index.js';
import { RefundError } from './refund.errors.js';
import { refundColumns, toRefundView, type RefundRow } from './refund.mapping.js';
import type { RefundChange, RefundStatusObserver, RefundView, TransitionResult } from './refund.model.js';
import { customerNotice } from './refund.notices.js';
import type { RefundRepository } from './refund.repository.js';
import { moneyEntry } from './refund.rules.js';
import { canTransition, isFinal, REFUND_STATUSES, releasesReservation } from './refund.state.js';

/** One call of `refund_transition`: whether it changed the refund, and the refund as it is now. */
const TRANSITION = `select t.o_changed as changed, ${refundColumns('(t.o_refund).')} from refund_transition($1::jsonb) t`;

/**
 * The one place refund state changes after the command (docs/refund-state-machine.md): monotonic and idempotent
 * whether the change comes from the submit response, a notify, a poll or support.
 */
export class RefundTransitions {
  constructor(
    private readonly orm: Orm,
    private readonly repository: RefundRepository,
    private readonly ledger: LedgerService,
    private readonly notifications: NotificationsService,
    /** Counted once the statement changed the refund (inside a caller's transaction: before its commit). */
    private readonly observe: RefundStatusObserver = () => {},
  ) {}

  /**
   * Applies one state change, idempotently: the same change twice, or a late change that would move the
   * refund backwards, returns `changed: false` and writes nothing. One statement (`refund_transition`),
   * so on its own it commits atomically; a deadlock or serialization failure is retried. `known` is the
   * refund when the caller has it (its immutable facts decide the ledger entry and the notification).
   */
  async transition(
    refundId: string,
    change: RefundChange,
    actor: Actor,
    known?: RefundView,
  ): Promise<TransitionResult> {
    return retryingTransaction(() => this.transitionOn(sqlOnPool(this.orm), refundId, change, actor, known));
  }

  /** The same, inside the caller's transaction (which a failure aborts). */
  async transitionIn(
    em: EntityManager,
    refundId: string,
    change: RefundChange,
    actor: Actor,
    known?: RefundView,
  ): Promise<TransitionResult> {
    return this.transitionOn(sqlOn(em), refundId, change, actor, known, em);
  }

  /** Support settles or closes an ABNORMAL refund, with a note; anything else is refused. */
  async supportAction(
    refundId: string,
    to: 'SUCCEEDED' | 'CLOSED',
    note: string,
    actor: Actor,
  ): Promise<RefundView> {
    if (note.trim().length === 0)
      throw new RefundError('INVALID_REFUND_REQUEST', 'a note is required', { field: 'note' });
    const current = await this.repository.get(refundId);
    if (!current) throw new RefundError('REFUND_NOT_FOUND', `refund ${refundId} is unknown`);
    if (current.status !== 'ABNORMAL') {
      throw new RefundError(
        'INVALID_TRANSITION',
        `only ABNORMAL refunds can be handled manually (this one is ${current.status})`,
      );
    }
    const result = await this.transition(
      refundId,
      { to, source: 'SUPPORT', settledBy: to === 'SUCCEEDED' ? 'MANUAL' : undefined, detail: { note } },
      actor,
    );
    if (!result.changed) {
      throw new RefundError(
        'INVALID_TRANSITION',
        `refund ${refundId} changed meanwhile (now ${result.refund.status})`,
      );
    }
    return result.refund;
  }

  private async transitionOn(
    sql: Sql,
    refundId: string,
    change: RefundChange,
    actor: Actor,
    known: RefundView | undefined,
    em?: EntityManager,
  ): Promise<TransitionResult> {
    const refund = known ?? (await this.repository.viewOn(sql, refundId));
    if (!refund) throw new RefundError('REFUND_NOT_FOUND', `refund ${refundId} is unknown`);
    const to = change.to;
    const effect = to === 'SUCCEEDED' ? 'SETTLE' : releasesReservation(to) ? 'RELEASE' : null;
    const entry = effect === null ? null : await this.ledger.prepare(moneyEntry(refund, effect), { em });
    const notify = isFinal(to) || to === 'ABNORMAL';
    const detail = change.detail ?? null;
    const [row] = await sql
      .prepared<RefundRow & { changed: boolean }>(TRANSITION, [
        JSON.stringify({
          refundId,
          to,
          from: REFUND_STATUSES.filter((from) => from !== to && canTransition(from, to)),
          final: isFinal(to),
          source: change.source,
          providerRefundId: change.providerRefundId ?? null,
          settledBy: change.settledBy ?? null,
          actorId: actor.id,
          actorRole: actor.role,
          requestId: actor.requestId ?? null,
          eventDetail: detail,
          auditId: newId('ae'),
          auditAfter: jsonSafe({ status: to, source: change.source, ...(detail ?? {}) }),
          notification: notify ? this.notifications.draft(customerNotice(refund, to)) : null,
          effect,
          entry: entry && {
            kind: entry.entry.kind,
            referenceType: entry.entry.reference.type,
            referenceId: entry.entry.reference.id,
            memo: entry.entry.memo ?? null,
            key: entry.idempotencyKey,
            hash: entry.bodyHash,
            accountIds: entry.accountIds,
            directions: entry.directions,
            amounts: entry.amounts,
            currencies: entry.currencies,
          },
          followUp: change.followUp ?? null,
          attempt: change.onlyForAttempt ?? null,
        }),
      ])
      .catch((error: unknown) => {
        if (pgErrorOf(error)?.code === 'RF404') {
          throw new RefundError('REFUND_NOT_FOUND', `refund ${refundId} is unknown`);
        }
        throw translateLedgerError(error);
      });
    if (!row) throw new Error(`refund_transition returned nothing for ${refundId}`);
    const { changed, ...updated } = row;
    const view = toRefundView(updated);
    if (changed) this.observe(view.status, view.channel);
    return { refund: view, changed };
  }
}
