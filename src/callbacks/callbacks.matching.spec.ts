import { describe, expect, it } from 'vitest';
import {
  amountText,
  paymentDisagreements,
  refundDisagreements,
  type PaymentNotifyEvent,
  type RefundFacts,
  type RefundNotifyEvent,
} from './callbacks.matching.js';

const ours: RefundFacts = {
  channel: 'ALIPAY',
  amountMinor: 1_000n,
  currency: 'CNY',
  providerRefundId: null,
  outTradeNo: 'T1',
  providerTransactionId: '2026112222001',
  paymentAmountMinor: 3_000n,
};

const notify: RefundNotifyEvent = {
  type: 'REFUND_STATUS',
  refundId: 'rf_1',
  outTradeNo: 'T1',
  providerTransactionId: '2026112222001',
  providerRefundId: null,
  status: 'SUCCEEDED',
  amountMinor: 1_000n,
  cumulativeRefundedMinor: 1_000n,
  occurredAt: new Date('2026-11-22T04:00:00Z'),
};

describe('a refund notify against our refund', () => {
  const cases: [string, Partial<RefundNotifyEvent>, Partial<RefundFacts>, string[]][] = [
    ['agrees', {}, {}, []],
    [
      'an unknown figure (null) on either side is no disagreement',
      { providerTransactionId: null, amountMinor: null, cumulativeRefundedMinor: null },
      {},
      [],
    ],
    ['another trade', { outTradeNo: 'T2' }, {}, ['outTradeNo']],
    ['another transaction id', { providerTransactionId: 'X' }, {}, ['providerTransactionId']],
    [
      'another provider refund id than the one we hold',
      { providerRefundId: 'B' },
      { providerRefundId: 'A' },
      ['providerRefundId'],
    ],
    ['a provider refund id where we hold none yet', { providerRefundId: 'B' }, {}, []],
    ['another amount', { amountMinor: 999n }, {}, ['refundAmount']],
    [
      'a cumulative refund above the payment',
      { cumulativeRefundedMinor: 3_001n },
      {},
      ['cumulativeRefunded'],
    ],
    [
      'a cumulative refund below this refund alone',
      { cumulativeRefundedMinor: 999n },
      {},
      ['cumulativeRefunded'],
    ],
    ['a cumulative refund with earlier refunds in it', { cumulativeRefundedMinor: 3_000n }, {}, []],
    [
      'several figures at once, in a fixed order',
      { outTradeNo: 'T2', amountMinor: 1n },
      { channel: 'WECHAT_PAY' },
      ['channel', 'outTradeNo', 'refundAmount'],
    ],
  ];
  it.each(cases)('%s', (_name, theirs, mine, fields) => {
    const figures = refundDisagreements('ALIPAY', { ...notify, ...theirs }, { ...ours, ...mine });
    expect(figures.map((f) => f.field)).toEqual(fields);
  });

  it('shows amounts as decimal strings with the currency', () => {
    const [figure] = refundDisagreements('ALIPAY', { ...notify, amountMinor: 999n }, ours);
    expect(figure).toEqual({ field: 'refundAmount', ours: '10.00 CNY', theirs: '9.99 CNY' });
  });
});

describe('a payment notify against the order and any recorded payment', () => {
  const paid: PaymentNotifyEvent = {
    type: 'PAYMENT_SUCCEEDED',
    outTradeNo: 'T1',
    providerTransactionId: '4200001',
    amountMinor: 3_000n,
    currency: 'CNY',
    paidAt: new Date('2026-11-22T04:00:00Z'),
  };
  const order = { totalMinor: 3_000n, currency: 'CNY' };
  const recorded = { amountMinor: 3_000n, currency: 'CNY', providerTransactionId: '4200001' };
  const cases: [string, Partial<PaymentNotifyEvent>, typeof recorded | null, string[]][] = [
    ['agrees, nothing recorded yet', {}, null, []],
    ['agrees with the recorded payment (a replay)', {}, recorded, []],
    ['another amount than the order', { amountMinor: 2_999n }, null, ['amount']],
    ['another currency', { currency: 'USD' }, null, ['currency']],
    [
      'another transaction than the recorded one',
      { providerTransactionId: '4200002' },
      recorded,
      ['providerTransactionId'],
    ],
    [
      'the recorded payment had another amount',
      {},
      { ...recorded, amountMinor: 2_000n },
      ['recordedPayment'],
    ],
  ];
  it.each(cases)('%s', (_name, theirs, known, fields) => {
    expect(paymentDisagreements({ ...paid, ...theirs }, order, known).map((f) => f.field)).toEqual(fields);
  });
});

describe('amountText', () => {
  it.each([
    [1_230n, 'CNY', '12.30 CNY'],
    [-1n, 'CNY', '-0.01 CNY'],
    [5n, 'JPY', '5 JPY'],
    [12n, 'XXX1', '12 minor XXX1'],
  ])('%s %s → %s', (minor, currency, text) => expect(amountText(minor, currency)).toBe(text));
});
