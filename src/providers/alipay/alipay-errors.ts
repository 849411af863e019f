/**
 * Maps Alipay gateway outcomes and alipay-sdk exceptions to `ProviderError`s. Unknown outcomes
 * (20000, ACQ.SYSTEM_ERROR, HTTP errors, timeouts, bad signatures) are retryable with the SAME
 * out_request_no; ACQ.* business refusals are definitive.
 */
import { ProviderError, type ProviderErrorCode } from '../payment-provider.js';

const SUB_CODES: Readonly<Record<string, ProviderErrorCode>> = {
  'ACQ.SYSTEM_ERROR': 'PROVIDER_UNAVAILABLE',
  'isp.unknow-error': 'PROVIDER_UNAVAILABLE',
  'aop.unknow-error': 'PROVIDER_UNAVAILABLE',
  'aop.ACL-limit': 'RATE_LIMITED',
  'ACQ.SELLER_BALANCE_NOT_ENOUGH': 'INSUFFICIENT_MERCHANT_BALANCE',
  'ACQ.TRADE_NOT_EXIST': 'PAYMENT_NOT_FOUND',
  'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL': 'AMOUNT_INVALID',
  'ACQ.REASON_TRADE_REFUND_FEE_ERR': 'AMOUNT_INVALID',
  'ACQ.REFUND_FEE_ERROR': 'AMOUNT_INVALID',
  'ACQ.DISCORDANT_REPEAT_REQUEST': 'REFUND_NUMBER_CONFLICT',
  'ACQ.TRADE_HAS_FINISHED': 'REFUND_NOT_ALLOWED',
  'ACQ.TRADE_NOT_ALLOW_REFUND': 'REFUND_NOT_ALLOWED',
  'ACQ.TRADE_STATUS_ERROR': 'REFUND_NOT_ALLOWED',
  'ACQ.REASON_TRADE_BEEN_FREEZEN': 'REFUND_NOT_ALLOWED',
  'ACQ.ONLINE_TRADE_VOUCHER_NOT_ALLOW_REFUND': 'REFUND_NOT_ALLOWED',
  'ACQ.BUYER_ERROR': 'USER_ACCOUNT_ABNORMAL',
  'ACQ.INVALID_PARAMETER': 'INVALID_REQUEST',
  'isv.invalid-signature': 'AUTH_REJECTED',
  'isv.invalid-app-id': 'AUTH_REJECTED',
  'isv.invalid-timestamp': 'AUTH_REJECTED',
};

/** Fallback by public code when the sub_code is not one we know. */
function byCode(code: string): ProviderErrorCode {
  if (code === '20000') return 'PROVIDER_UNAVAILABLE';
  if (code === '20001' || code === '40006') return 'AUTH_REJECTED';
  return 'INVALID_REQUEST';
}

export interface GatewayResult {
  readonly code?: unknown;
  readonly msg?: unknown;
  readonly sub_code?: unknown;
  readonly sub_msg?: unknown;
}

export function gatewayError(result: GatewayResult, method: string): ProviderError {
  const code = typeof result.code === 'string' ? result.code : '';
  const subCode = typeof result.sub_code === 'string' ? result.sub_code : '';
  const mapped = SUB_CODES[subCode] ?? byCode(code);
  const message =
    `${method}: ${code} ${subCode} ${typeof result.sub_msg === 'string' ? result.sub_msg : ''}`.trim();
  return new ProviderError(mapped, message, subCode || code);
}

interface SdkErrorShape {
  readonly message: string;
  readonly name?: string;
  readonly cause?: unknown;
  readonly responseDataRaw?: unknown;
}

function causeNames(err: unknown): string {
  let names = '';
  let current: unknown = err;
  for (let i = 0; i < 5 && current instanceof Error; i += 1) {
    const code = (current as { code?: unknown }).code;
    names += ` ${current.name} ${current.message} ${typeof code === 'string' ? code : ''}`;
    current = current.cause;
  }
  return names;
}

/** alipay-sdk throws AlipayRequestError for transport, HTTP status, format and signature failures. */
export function sdkError(err: unknown, method: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = (err instanceof Error ? err : new Error(String(err))) as SdkErrorShape;
  const status = /status: (\d{3})/.exec(e.message)?.[1];
  if (status)
    return new ProviderError('PROVIDER_UNAVAILABLE', `${method}: HTTP ${status}`, undefined, Number(status));
  if (e.message.includes('验签失败')) {
    return new ProviderError('BAD_RESPONSE_SIGNATURE', `${method}: response signature invalid`);
  }
  const names = causeNames(err);
  if (/timeout|Timeout/.test(names)) return new ProviderError('TIMEOUT', `${method}: timed out`);
  if (e.message.startsWith('HttpClient Request error'))
    return new ProviderError('NETWORK', `${method}: ${e.message}`);
  // Non-JSON or missing response node: we cannot know what happened.
  return new ProviderError('PROVIDER_UNAVAILABLE', `${method}: ${e.message.slice(0, 200)}`);
}
