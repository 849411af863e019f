export const SUBMIT_REFUND = 'refunds.submit';
export const POLL_REFUND = 'refunds.poll';

/** Sends jobs outside any transaction (structurally the JobQueue); refund transactions use `job_enqueue`. */
export interface JobSender {
  send(name: string, data: object, options?: { startAfter?: number }): Promise<string | null>;
}
