/**
 * Refund states, the one list: the type, the GraphQL enum and the table's CHECK derive
 * from it. Every transition is monotonic; the database enforces the same table (`refund_status_forward`,
 * tested equal to `ALLOWED` in test/refunds/state-machine.test.ts).
 */
export const REFUND_STATUSES = [
  'PENDING',
  'PROCESSING',
  'SUCCEEDED',
  'FAILED',
  'CLOSED',
  'ABNORMAL',
] as const;

export type RefundStatus = (typeof REFUND_STATUSES)[number];

const ALLOWED: Readonly<Record<RefundStatus, readonly RefundStatus[]>> = {
  PENDING: ['PROCESSING', 'SUCCEEDED', 'FAILED', 'CLOSED', 'ABNORMAL'],
  PROCESSING: ['SUCCEEDED', 'CLOSED', 'ABNORMAL'],
  // ABNORMAL is not final: support (or the provider, after apply-abnormal-refund) moves it on.
  ABNORMAL: ['PROCESSING', 'SUCCEEDED', 'CLOSED'],
  SUCCEEDED: [],
  FAILED: [],
  CLOSED: [],
};

export function canTransition(from: RefundStatus, to: RefundStatus): boolean {
  return ALLOWED[from].includes(to);
}

export function isFinal(status: RefundStatus): boolean {
  return ALLOWED[status].length === 0;
}

/** Where the reservation on the payment is released: the money did not go out. */
export function releasesReservation(status: RefundStatus): boolean {
  return status === 'FAILED' || status === 'CLOSED';
}

export type TransitionSource = 'REQUEST' | 'SUBMIT_RESPONSE' | 'NOTIFY' | 'POLL' | 'SUPPORT' | 'WORKER';
