import { describe, expect, it } from 'vitest';
import type { ProviderNotificationEvent } from '../providers/index.js';
import { decodeEvent, encodeEvent } from './callbacks.codec.js';

const events: [string, ProviderNotificationEvent][] = [
  [
    'a payment',
    {
      type: 'PAYMENT_SUCCEEDED',
      outTradeNo: 'T1',
      providerTransactionId: '4200001',
      amountMinor: 9_007_199_254_740_993n, // above Number.MAX_SAFE_INTEGER: must survive as a string
      currency: 'CNY',
      paidAt: new Date('2026-11-22T04:00:00.123Z'),
    },
  ],
  [
    'a refund with every figure',
    {
      type: 'REFUND_STATUS',
      refundId: 'rf_1',
      outTradeNo: 'T1',
      providerTransactionId: '4200001',
      providerRefundId: '50300001',
      status: 'SUCCEEDED',
      amountMinor: 1_000n,
      cumulativeRefundedMinor: 2_500n,
      occurredAt: new Date('2026-11-22T04:05:00Z'),
    },
  ],
  [
    'a refund with unknown figures',
    {
      type: 'REFUND_STATUS',
      refundId: 'rf_2',
      outTradeNo: 'T2',
      providerTransactionId: null,
      providerRefundId: null,
      status: 'ABNORMAL',
      amountMinor: null,
      cumulativeRefundedMinor: null,
      occurredAt: new Date('2026-11-22T04:05:00Z'),
    },
  ],
  ['an informational notify', { type: 'INFORMATIONAL', description: 'TRADE_FINISHED' }],
];

describe('notify event codec (provider_notification.event)', () => {
  it.each(events)('%s survives a round trip through JSON', (_name, event) => {
    const stored: unknown = JSON.parse(JSON.stringify(encodeEvent(event)));
    expect(decodeEvent(stored as Record<string, unknown>)).toEqual(event);
  });

  it('stores amounts as integer strings and dates as ISO strings', () => {
    const encoded = encodeEvent(events[0]![1]);
    expect(encoded['amountMinor']).toBe('9007199254740993');
    expect(encoded['paidAt']).toBe('2026-11-22T04:00:00.123Z');
  });

  const refund = JSON.parse(JSON.stringify(encodeEvent(events[1]![1]))) as Record<string, unknown>;
  it.each([
    ['an unknown type', { type: 'CHARGEBACK' }, /unknown type/],
    ['a fractional amount', { ...refund, amountMinor: '10.5' }, /integer string/],
    ['an amount as a number', { ...refund, amountMinor: 1000 }, /must be a string/],
    ['an unknown refund status', { ...refund, status: 'REVERSED' }, /unknown refund status/],
    ['a bad date', { ...refund, occurredAt: 'yesterday' }, /must be a date/],
    ['a missing refund id', { ...refund, refundId: undefined }, /refundId must be a string/],
  ])('refuses a row with %s', (_name, json, message) => {
    expect(() => decodeEvent(json as Record<string, unknown>)).toThrow(message);
  });
});
