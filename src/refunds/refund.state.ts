/** Refund states (DESIGN.md §4). Every transition is monotonic; the database enforces the same table. */
export type RefundStatus = 'PENDING' | 'PROCESSING' | 'SUCCEEDED' | 'FAILED' | 'CLOSED' | 'ABNORMAL';

export const REFUND_STATUSES: readonly RefundStatus[] = [
  'PENDING',
  'PROCESSING',
  'SUCCEEDED',
  'FAILED',
  'CLOSED',
  'ABNORMAL',
];

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
