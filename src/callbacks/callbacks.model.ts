import type { ExceptionFigure } from '../ops-exceptions/index.js';

/** Inbox row states: RECEIVED until the apply job has looked at it. */
export type InboxStatus = 'RECEIVED' | 'APPLIED' | 'IGNORED' | 'EXCEPTION';

/** What notify processing raises for a human. Other modules may add kinds to ops_exception later. */
export type NotifyExceptionKind = 'UNKNOWN_REFUND' | 'UNKNOWN_PAYMENT' | 'NOTIFY_MISMATCH';
export const NOTIFY_EXCEPTION_KINDS: readonly NotifyExceptionKind[] = [
  'UNKNOWN_REFUND',
  'UNKNOWN_PAYMENT',
  'NOTIFY_MISMATCH',
];

/** Shape of `ops_exception.detail` for notify exceptions. */
export interface NotifyExceptionDetail {
  readonly reason: string;
  readonly inboxId: string;
  readonly notifyId: string;
  readonly eventType: string;
  readonly figures: readonly ExceptionFigure[];
}

/** What the HTTP endpoint did with one delivery (for logs and tests). */
export type ReceiveOutcome =
  | { readonly kind: 'STORED'; readonly inboxId: string; readonly duplicate: boolean }
  | { readonly kind: 'REJECTED'; readonly code: string }
  | { readonly kind: 'FAILED' };
