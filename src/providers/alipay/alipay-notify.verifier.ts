/**
 * Verifies Alipay `trade_status_sync` notifies (PROTOCOLS B2.5): RSA2 via checkNotifySignV2 (not v1,
 * which double-decodes `%`), our app_id, notify_time within ±5 minutes, then maps to a normalised event.
 */
import type { AlipaySdk } from 'alipay-sdk';
import { ProviderError, type InboundHttpRequest, type VerifiedNotification } from '../payment-provider.js';
import { parseBeijingTime, parseYuan } from './alipay-units.js';

export const NOTIFY_TIME_TOLERANCE_MS = 5 * 60_000;

const malformed = (why: string): ProviderError =>
  new ProviderError('MALFORMED_NOTIFICATION', `alipay notify: ${why}`);

function parseForm(request: InboundHttpRequest): Record<string, string> {
  const contentType = String(request.headers['content-type'] ?? '');
  if (contentType && !contentType.includes('application/x-www-form-urlencoded')) {
    throw malformed(`unexpected content-type ${contentType}`);
  }
  const form: Record<string, string> = {};
  // Decoded exactly once, as a form parser would; the SDK's V2 check then signs the raw values.
  for (const [k, v] of new URLSearchParams(request.rawBody.toString('utf8'))) form[k] = v;
  return form;
}

function required(form: Readonly<Record<string, string>>, key: string): string {
  const v = form[key];
  if (v === undefined || v === '') throw malformed(`missing ${key}`);
  return v;
}

function amount(form: Readonly<Record<string, string>>, key: string): bigint {
  const v = parseYuan(required(form, key));
  if (v === null || v < 0n) throw malformed(`bad ${key}`);
  return v;
}

function time(form: Readonly<Record<string, string>>, key: string): Date {
  const t = parseBeijingTime(required(form, key));
  if (!t) throw malformed(`bad ${key}`);
  return t;
}

export function verifyAlipayNotification(
  sdk: AlipaySdk,
  appId: string,
  request: InboundHttpRequest,
  now: Date,
): VerifiedNotification {
  const form = parseForm(request);
  if (!form['sign']) throw new ProviderError('INVALID_SIGNATURE', 'alipay notify: no sign');
  // RSA2 only: the SDK would also try RSA (SHA-1) and throws on names it does not know.
  if (form['sign_type'] !== 'RSA2') throw malformed(`sign_type ${form['sign_type'] ?? '(none)'} (RSA2 only)`);
  if (!checkSignature(sdk, form))
    throw new ProviderError('INVALID_SIGNATURE', 'alipay notify: signature mismatch');
  if (form['app_id'] !== appId) throw malformed(`app_id ${form['app_id'] ?? '(none)'} is not ours`);
  const notifyTime = time(form, 'notify_time');
  if (Math.abs(now.getTime() - notifyTime.getTime()) > NOTIFY_TIME_TOLERANCE_MS) {
    throw new ProviderError(
      'STALE_TIMESTAMP',
      `alipay notify: notify_time ${form['notify_time']} outside ±5 min`,
    );
  }
  if (form['notify_type'] !== 'trade_status_sync')
    throw malformed(`notify_type ${form['notify_type'] ?? '(none)'}`);
  return toNotification(form);
}

function checkSignature(sdk: AlipaySdk, form: Record<string, string>): boolean {
  try {
    return sdk.checkNotifySignV2(form);
  } catch {
    return false; // a value the SDK cannot even parse is no signature of Alipay's
  }
}

function toNotification(form: Readonly<Record<string, string>>): VerifiedNotification {
  const notifyId = required(form, 'notify_id');
  const tradeNo = required(form, 'trade_no');
  const outTradeNo = required(form, 'out_trade_no');
  const status = required(form, 'trade_status');
  const isRefund = form['refund_fee'] !== undefined || form['out_biz_no'] !== undefined;
  if (status === 'TRADE_SUCCESS' && !isRefund) {
    return {
      notifyId,
      dedupeKey: `alipay:payment:${tradeNo}`,
      event: {
        type: 'PAYMENT_SUCCEEDED',
        outTradeNo,
        providerTransactionId: tradeNo,
        amountMinor: amount(form, 'total_amount'),
        currency: 'CNY',
        paidAt: time(form, 'gmt_payment'),
      },
    };
  }
  if ((status === 'TRADE_SUCCESS' || status === 'TRADE_CLOSED') && form['refund_fee'] !== undefined) {
    // Without out_request_no, Alipay keys a full refund by the trade (out_biz_no may then be absent).
    const refundId = form['out_biz_no'] || outTradeNo;
    const occurredAt =
      parseBeijingTime(form['gmt_refund'] ?? '') ??
      parseBeijingTime(form['gmt_close'] ?? '') ??
      time(form, 'notify_time');
    return {
      notifyId,
      dedupeKey: `alipay:refund:${refundId}`,
      event: {
        type: 'REFUND_STATUS',
        refundId,
        outTradeNo,
        providerTransactionId: tradeNo,
        providerRefundId: null,
        status: 'SUCCEEDED',
        amountMinor: null,
        cumulativeRefundedMinor: amount(form, 'refund_fee'),
        occurredAt,
      },
    };
  }
  // Nothing for us to apply, but Alipay resends until it reads `success`: acknowledge and keep a record.
  if (status === 'TRADE_FINISHED' || (status === 'TRADE_CLOSED' && form['refund_fee'] === undefined)) {
    return {
      notifyId,
      dedupeKey: `alipay:${status.toLowerCase()}:${tradeNo}`,
      event: { type: 'INFORMATIONAL', description: `${status} for trade ${tradeNo} (${outTradeNo})` },
    };
  }
  throw malformed(`unsupported trade_status ${status}${isRefund ? ' with refund fields' : ''}`);
}
