import { context, propagation, ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';

/**
 * Where a job's data carries the W3C trace context of the operation that queued it (`traceparent`,
 * and `tracestate` when there is one): written by `job_enqueue` in SQL and by `JobQueue.send`.
 */
export const TRACE_FIELD = '_trace';

export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/**
 * The active span's W3C trace context, or undefined outside a traced operation (and with tracing off).
 * For work queued later by a statement someone else sends (a batch): capture it where the work is asked.
 */
export function traceCarrier(): TraceCarrier | undefined {
  if (trace.getActiveSpan() === undefined) return undefined;
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent === undefined ? undefined : carrier;
}

/** `data` with the active span's trace context, when a traced operation sends it; else `data` itself. */
export function withTraceContext<T extends object>(data: T): T {
  const carrier = traceCarrier();
  return carrier === undefined ? data : { ...data, [TRACE_FIELD]: carrier };
}

/**
 * The context a job's span starts in: the queuing operation's, extracted from the job's data, so the
 * job span is its child (the same trace, from the request to the provider call), or none.
 */
export function queuedContext(data: unknown): Context | undefined {
  const carrier = (data as Record<string, unknown> | null)?.[TRACE_FIELD] as TraceCarrier | null | undefined;
  if (typeof carrier?.traceparent !== 'string') return undefined;
  const extracted = propagation.extract(ROOT_CONTEXT, carrier);
  return trace.getSpanContext(extracted) === undefined ? undefined : extracted;
}
