/**
 * Notify events as stored in `provider_notification.event` (jsonb): bigint amounts as decimal strings,
 * dates as ISO strings. Decoding checks every field, because a row that no longer decodes is a bug
 * worth a loud failure rather than a half-applied notify.
 */
import { invariant } from '../errors/index.js';
import type { ProviderNotificationEvent, ProviderRefundStatus } from '../providers/index.js';

type Json = Record<string, unknown>;

const REFUND_STATUSES: readonly ProviderRefundStatus[] = ['PROCESSING', 'SUCCEEDED', 'ABNORMAL', 'CLOSED'];

export function encodeEvent(event: ProviderNotificationEvent): Json {
  switch (event.type) {
    case 'PAYMENT_SUCCEEDED':
      return { ...event, amountMinor: event.amountMinor.toString(), paidAt: event.paidAt.toISOString() };
    case 'REFUND_STATUS':
      return {
        ...event,
        amountMinor: event.amountMinor?.toString() ?? null,
        cumulativeRefundedMinor: event.cumulativeRefundedMinor?.toString() ?? null,
        occurredAt: event.occurredAt.toISOString(),
      };
    case 'INFORMATIONAL':
      return { ...event };
  }
}

export function decodeEvent(json: Json): ProviderNotificationEvent {
  switch (json['type']) {
    case 'PAYMENT_SUCCEEDED':
      return {
        type: 'PAYMENT_SUCCEEDED',
        outTradeNo: str(json, 'outTradeNo'),
        providerTransactionId: str(json, 'providerTransactionId'),
        amountMinor: big(json, 'amountMinor'),
        currency: str(json, 'currency'),
        paidAt: date(json, 'paidAt'),
      };
    case 'REFUND_STATUS':
      return {
        type: 'REFUND_STATUS',
        refundId: str(json, 'refundId'),
        outTradeNo: str(json, 'outTradeNo'),
        providerTransactionId: optStr(json, 'providerTransactionId'),
        providerRefundId: optStr(json, 'providerRefundId'),
        status: refundStatus(json),
        amountMinor: optBig(json, 'amountMinor'),
        cumulativeRefundedMinor: optBig(json, 'cumulativeRefundedMinor'),
        occurredAt: date(json, 'occurredAt'),
      };
    case 'INFORMATIONAL':
      return { type: 'INFORMATIONAL', description: str(json, 'description') };
    default:
      throw new Error(`stored notify event has unknown type ${String(json['type'])}`);
  }
}

function str(json: Json, key: string): string {
  const v = json[key];
  invariant(typeof v === 'string', `stored notify event: ${key} must be a string`);
  return v;
}

function optStr(json: Json, key: string): string | null {
  return json[key] === null || json[key] === undefined ? null : str(json, key);
}

function big(json: Json, key: string): bigint {
  const v = str(json, key);
  invariant(/^-?\d+$/.test(v), `stored notify event: ${key} must be an integer string`);
  return BigInt(v);
}

function optBig(json: Json, key: string): bigint | null {
  return json[key] === null || json[key] === undefined ? null : big(json, key);
}

function date(json: Json, key: string): Date {
  const d = new Date(str(json, key));
  invariant(!Number.isNaN(d.getTime()), `stored notify event: ${key} must be a date`);
  return d;
}

function refundStatus(json: Json): ProviderRefundStatus {
  const v = str(json, 'status');
  const found = REFUND_STATUSES.find((s) => s === v);
  invariant(found, `stored notify event: unknown refund status ${v}`);
  return found;
}
