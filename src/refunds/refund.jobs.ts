import type { Channel } from '../providers/index.js';

/** Prefixes of the refund queues: each provider has its own (`refunds.submit.WECHAT_PAY`, …). */
export const SUBMIT_REFUND = 'refunds.submit';
export const POLL_REFUND = 'refunds.poll';

/**
 * A provider's own queues, so that a provider that hangs or throttles fills only its own slots: the
 * other keeps its workers (`refund_request_batch` names the submit queue the same way).
 */
export const submitQueue = (channel: Channel): string => `${SUBMIT_REFUND}.${channel}`;
export const pollQueue = (channel: Channel): string => `${POLL_REFUND}.${channel}`;

/** Sends jobs outside any transaction (structurally the JobQueue); refund transactions use `job_enqueue`. */
export interface JobSender {
  send(name: string, data: object, options?: { startAfter?: number }): Promise<string | null>;
}
