import { formatMoney } from '../money/index.js';
import type { NotificationInput } from '../notifications/index.js';
import type { RefundView } from './refund.model.js';
import type { RefundStatus } from './refund.state.js';

const NOTICE_TEXT: Partial<Record<RefundStatus, (amount: string) => [string, string]>> = {
  SUCCEEDED: (amount) => ['Refund completed', `${amount} has been refunded to your original payment method.`],
  FAILED: (amount) => [
    'Refund could not be completed',
    `Your refund of ${amount} failed; support will contact you.`,
  ],
  CLOSED: (amount) => ['Refund closed', `Your refund of ${amount} was closed; support will contact you.`],
  ABNORMAL: (amount) => [
    'Refund needs attention',
    `Your refund of ${amount} could not reach your account; support is on it.`,
  ],
};

/** What the customer is told when their refund reaches `status` (one notice per refund and status). */
export function customerNotice(refund: RefundView, status: RefundStatus): NotificationInput {
  const amount = formatMoney(refund.amount);
  const currency = refund.amount.currency;
  const [title, body] = NOTICE_TEXT[status]?.(`${amount} ${currency}`) ?? [
    'Refund update',
    `Refund status: ${status}`,
  ];
  return {
    recipientKind: 'CUSTOMER',
    recipientId: refund.customerId,
    kind: `REFUND_${status}`,
    title,
    body,
    data: { refundId: refund.id, orderId: refund.orderId, amount, currency, status },
    dedupeKey: `refund:${refund.id}:${status}`,
  };
}
