import type { Channel } from '../providers/index.js';

/** Inbox row states: RECEIVED until the apply job has looked at it. */
export type InboxStatus = 'RECEIVED' | 'APPLIED' | 'IGNORED' | 'EXCEPTION';

/** What notify processing raises for a human. Other modules may add kinds to ops_exception later. */
export type NotifyExceptionKind = 'UNKNOWN_REFUND' | 'UNKNOWN_PAYMENT' | 'NOTIFY_MISMATCH';
export const NOTIFY_EXCEPTION_KINDS: readonly NotifyExceptionKind[] = [
  'UNKNOWN_REFUND',
  'UNKNOWN_PAYMENT',
  'NOTIFY_MISMATCH',
];

export type ExceptionSeverity = 'LOW' | 'MEDIUM' | 'HIGH';
export const EXCEPTION_SEVERITIES: readonly ExceptionSeverity[] = ['LOW', 'MEDIUM', 'HIGH'];

/** One disagreement between our records and a signed notify, as display strings. */
export interface ExceptionFigure {
  readonly field: string;
  readonly ours: string | null;
  readonly theirs: string | null;
}

/** Shape of `ops_exception.detail` for notify exceptions. */
export interface NotifyExceptionDetail {
  readonly reason: string;
  readonly inboxId: string;
  readonly notifyId: string;
  readonly eventType: string;
  readonly figures: readonly ExceptionFigure[];
}

export interface OpsExceptionView {
  readonly id: string;
  readonly kind: string;
  readonly severity: ExceptionSeverity;
  readonly channel: Channel | null;
  readonly referenceType: string;
  readonly referenceId: string;
  readonly reason: string;
  readonly notifyId: string | null;
  readonly figures: readonly ExceptionFigure[];
  readonly createdAt: Date;
  readonly resolvedAt: Date | null;
  readonly resolvedBy: string | null;
  readonly resolution: string | null;
}

export interface ExceptionFilter {
  readonly resolved?: boolean | null | undefined;
  readonly kind?: string | null | undefined;
  readonly severity?: ExceptionSeverity | null | undefined;
}

/** Keyset position: newest first on (created_at, id). */
export interface ExceptionCursor {
  readonly createdAt: string;
  readonly id: string;
}

/** What the HTTP endpoint did with one delivery (for logs and tests). */
export type ReceiveOutcome =
  | { readonly kind: 'STORED'; readonly inboxId: string; readonly duplicate: boolean }
  | { readonly kind: 'REJECTED'; readonly code: string }
  | { readonly kind: 'FAILED' };
