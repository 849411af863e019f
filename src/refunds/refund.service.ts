import type { Actor } from '../audit/index.js';
import type { EntityManager, Orm } from '../db/index.js';
import type { LedgerService } from '../ledger/index.js';
import type { NotificationsService } from '../notifications/index.js';
import type { PaymentsService, PaymentView } from '../payments/index.js';
import { RefundCommand } from './refund.command.js';
import { toRefundPayment } from './refund.mapping.js';
import { NO_REFUND_RISK, type RefundRiskPort } from './refund.risk.js';
import type {
  EmbeddedRefund,
  RefundBatchArgs,
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

  /**
   * A refund request the caller commits in its own group statement with its own rows (see
   * `EmbeddedRefund`); a created one is counted when the caller settles it.
   */
  async prepareEmbedded(
    input: RequestRefundInput & { readonly assessedRisk: NonNullable<RequestRefundInput['assessedRisk']> },
    actor: Actor,
    /** The payment the caller read (the payments module's view), the only captured one of the order. */
    payment: PaymentView,
  ): Promise<EmbeddedRefund> {
    const prepared = await this.command.prepareEmbedded(input, actor, {
      id: payment.id,
      order: payment.orderId,
      customerId: payment.customerId,
      merchantId: payment.merchantId,
      riderId: payment.riderId,
      channel: payment.channel,
      currency: payment.amount.currency,
    });
    return {
      ...prepared,
      settle: async (outcome) => {
        const settled = await prepared.settle(outcome);
        if (settled.created) this.observe('PENDING', payment.channel);
        return settled;
      },
    };
  }

  /** `refund_request_batch`'s arguments after the items (the rules and submit queue in force). */
  refundBatchArgs(): RefundBatchArgs {
    return this.command.batchArgs();
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
