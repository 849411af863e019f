import type { Channel } from '../providers/index.js';

export type ExceptionSeverity = 'LOW' | 'MEDIUM' | 'HIGH';
export const EXCEPTION_SEVERITIES: readonly ExceptionSeverity[] = ['LOW', 'MEDIUM', 'HIGH'];

/** One disagreement between our records and a provider's, as display strings. */
export interface ExceptionFigure {
  readonly field: string;
  readonly ours: string | null;
  readonly theirs: string | null;
}

/** What a module raises for a human (written into the raiser's transaction). */
export interface RaisedException {
  /** Closed per raising module, e.g. the callbacks' UNKNOWN_REFUND, UNKNOWN_PAYMENT, NOTIFY_MISMATCH. */
  readonly kind: string;
  readonly severity: ExceptionSeverity;
  readonly channel: Channel | null;
  readonly referenceType: string;
  readonly referenceId: string;
  /** Stored as `ops_exception.detail`: a reason and figures, plus whatever the raiser adds. */
  readonly detail: {
    readonly reason: string;
    readonly figures: readonly ExceptionFigure[];
    /** The provider's notification id, when a notify raised it. */
    readonly notifyId?: string;
  };
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
