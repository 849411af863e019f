/**
 * Does a signed notify agree with our records? Pure functions over the facts the apply job loads, so the
 * rules are table-tested without a database. An empty list means "agrees"; anything else is a
 * high-severity exception and the notify is not applied.
 */
import { formatMoney, isCurrencyCode, money } from '../money/index.js';
import type { Channel, ProviderNotificationEvent } from '../providers/index.js';
import type { ExceptionFigure } from '../ops-exceptions/index.js';

export type RefundNotifyEvent = Extract<ProviderNotificationEvent, { type: 'REFUND_STATUS' }>;
export type PaymentNotifyEvent = Extract<ProviderNotificationEvent, { type: 'PAYMENT_SUCCEEDED' }>;

/** Our refund and the payment it belongs to. */
export interface RefundFacts {
  readonly channel: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly providerRefundId: string | null;
  readonly outTradeNo: string;
  readonly providerTransactionId: string | null;
  readonly paymentAmountMinor: bigint;
}

export interface OrderFacts {
  readonly totalMinor: bigint;
  readonly currency: string;
}

/** The payment already recorded for the same (channel, out_trade_no), if any. */
export interface RecordedPaymentFacts {
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly providerTransactionId: string | null;
}

export function refundDisagreements(
  channel: Channel,
  event: RefundNotifyEvent,
  ours: RefundFacts,
): ExceptionFigure[] {
  const figures: ExceptionFigure[] = [];
  const differ = (field: string, a: string | null, b: string | null): void => {
    if (a !== null && b !== null && a !== b) figures.push({ field, ours: a, theirs: b });
  };
  differ('channel', ours.channel, channel);
  differ('outTradeNo', ours.outTradeNo, event.outTradeNo);
  differ('providerTransactionId', ours.providerTransactionId, event.providerTransactionId);
  differ('providerRefundId', ours.providerRefundId, event.providerRefundId);
  const show = (minor: bigint): string => amountText(minor, ours.currency);
  if (event.amountMinor !== null && event.amountMinor !== ours.amountMinor) {
    figures.push({ field: 'refundAmount', ours: show(ours.amountMinor), theirs: show(event.amountMinor) });
  }
  const cumulative = event.cumulativeRefundedMinor;
  // Alipay's refund_fee is the trade's cumulative refund, this refund included: it can neither exceed
  // what was paid nor be less than this refund alone.
  if (cumulative !== null && cumulative > ours.paymentAmountMinor) {
    figures.push({
      field: 'cumulativeRefunded',
      ours: `at most ${show(ours.paymentAmountMinor)} (payment amount)`,
      theirs: show(cumulative),
    });
  }
  if (cumulative !== null && cumulative < ours.amountMinor) {
    figures.push({
      field: 'cumulativeRefunded',
      ours: `at least ${show(ours.amountMinor)} (this refund)`,
      theirs: show(cumulative),
    });
  }
  return figures;
}

export function paymentDisagreements(
  event: PaymentNotifyEvent,
  order: OrderFacts,
  recorded: RecordedPaymentFacts | null,
): ExceptionFigure[] {
  const figures: ExceptionFigure[] = [];
  if (event.currency !== order.currency) {
    figures.push({ field: 'currency', ours: order.currency, theirs: event.currency });
  }
  if (event.amountMinor !== order.totalMinor) {
    figures.push({
      field: 'amount',
      ours: amountText(order.totalMinor, order.currency),
      theirs: amountText(event.amountMinor, event.currency),
    });
  }
  if (recorded?.providerTransactionId && recorded.providerTransactionId !== event.providerTransactionId) {
    figures.push({
      field: 'providerTransactionId',
      ours: recorded.providerTransactionId,
      theirs: event.providerTransactionId,
    });
  }
  if (recorded && (recorded.amountMinor !== event.amountMinor || recorded.currency !== event.currency)) {
    figures.push({
      field: 'recordedPayment',
      ours: amountText(recorded.amountMinor, recorded.currency),
      theirs: amountText(event.amountMinor, event.currency),
    });
  }
  return figures;
}

/** "12.30 CNY"; raw minor units when the currency is not one we know (it came from outside). */
export function amountText(minor: bigint, currency: string): string {
  return isCurrencyCode(currency)
    ? `${formatMoney(money(minor, currency))} ${currency}`
    : `${minor} minor ${currency}`;
}
