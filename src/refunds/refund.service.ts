import type { Actor } from '../audit/index.js';
import type { EntityManager, Orm } from '../db/index.js';
import type { LedgerService } from '../ledger/index.js';
import type { NotificationsService } from '../notifications/index.js';
import type { PaymentsService } from '../payments/index.js';
import { RefundCommand } from './refund.command.js';
import { toRefundPayment } from './refund.mapping.js';
import { NO_REFUND_RISK, type RefundRiskPort } from './refund.risk.js';
import type {
  RefundPayment,
  RefundChange,
  RefundEventView,
  RefundFilter,
  RefundScope,
  RefundStatusObserver,
  RefundView,
  RequestRefundInput,
  RequestRefundResult,
  TransitionResult,
} from './refund.model.js';
import { RefundRepository } from './refund.repository.js';
import { DEFAULT_REFUND_RULES, type RefundRules } from './refund.rules.js';
import { RefundTransitions } from './refund.transitions.js';

/**
 * The refunds module's public service: the command (`refund.command.ts`), the transitions
 * (`refund.transitions.ts`) and the reads (`refund.repository.ts`) behind one object.
 */
export class RefundService {
  private readonly repository: RefundRepository;
  private readonly command: RefundCommand;
  private readonly transitions: RefundTransitions;

  constructor(
    orm: Orm,
    ledger: LedgerService,
    notifications: NotificationsService,
    payments: Pick<PaymentsService, 'getPayment'>,
    rules: RefundRules = DEFAULT_REFUND_RULES,
    risk: RefundRiskPort = NO_REFUND_RISK,
    private readonly observe: RefundStatusObserver = () => {},
  ) {
    this.repository = new RefundRepository(orm);
    this.command = new RefundCommand(orm, this.repository, ledger, rules, risk, payments);
    this.transitions = new RefundTransitions(orm, this.repository, ledger, notifications, observe);
  }

  async requestRefund(input: RequestRefundInput, actor: Actor): Promise<RequestRefundResult> {
    const result = await this.command.requestRefund(input, actor);
    if (!result.replayed) this.observe('PENDING', result.refund.channel);
    return result;
  }

  transition(
    refundId: string,
    change: RefundChange,
    actor: Actor,
    known?: RefundView,
  ): Promise<TransitionResult> {
    return this.transitions.transition(refundId, change, actor, known);
  }

  transitionIn(
    em: EntityManager,
    refundId: string,
    change: RefundChange,
    actor: Actor,
    known?: RefundView,
  ): Promise<TransitionResult> {
    return this.transitions.transitionIn(em, refundId, change, actor, known);
  }

  /** Support settles an ABNORMAL refund that was paid out by other means (SUCCEEDED, method MANUAL). */
  settleManually(refundId: string, note: string, actor: Actor): Promise<RefundView> {
    return this.transitions.supportAction(refundId, 'SUCCEEDED', note, actor);
  }

  /** Support closes an ABNORMAL refund: the reservation is released and the customer told. */
  closeRefund(refundId: string, reason: string, actor: Actor): Promise<RefundView> {
    return this.transitions.supportAction(refundId, 'CLOSED', reason, actor);
  }

  get(refundId: string): Promise<RefundView | null> {
    return this.repository.get(refundId);
  }

  /**
   * A refund with what the provider needs of its payment (from the payments module), for matching a
   * notify or asking the provider; inside the caller's transaction when given one.
   */
  async withPayment(refundId: string, em?: EntityManager): Promise<RefundPayment | null> {
    const row = await this.repository.withPaymentFacts(refundId, em);
    return row ? toRefundPayment(row) : null;
  }

  list(
    filter: RefundFilter,
    scope: RefundScope,
    limit: number,
    after: { createdAt: string; id: string } | null,
  ): Promise<RefundView[]> {
    return this.repository.list(filter, scope, limit, after);
  }

  openCounts(): Promise<{ status: string; channel: string; count: number }[]> {
    return this.repository.openCounts();
  }

  events(refundId: string, limit = 100): Promise<RefundEventView[]> {
    return this.repository.events(refundId, limit);
  }
}
