/** WeChat v3 error envelope → ProviderError (A1.4, A2.3). */
import { z } from 'zod';
import { ProviderError, type ProviderErrorCode } from '../payment-provider.js';

export const wechatErrorBody = z
  .object({
    code: z.string(),
    message: z.string().optional(),
    detail: z.object({ field: z.string().optional(), issue: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();

export type WechatErrorBody = z.infer<typeof wechatErrorBody>;

export function parseWechatError(raw: unknown): WechatErrorBody | undefined {
  const r = wechatErrorBody.safeParse(raw);
  return r.success ? r.data : undefined;
}

function classify(status: number, err: WechatErrorBody | undefined): ProviderErrorCode {
  const code = err?.code ?? '';
  const message = err?.message ?? '';
  if (status === 202) return 'PROVIDER_UNAVAILABLE';
  if (status === 429 || code === 'FREQUENCY_LIMITED') return 'RATE_LIMITED';
  if (status >= 500 || code === 'SYSTEM_ERROR' || code === 'SERVICE_UNAVAILABLE')
    return 'PROVIDER_UNAVAILABLE';
  switch (code) {
    case 'NOT_ENOUGH':
      return 'INSUFFICIENT_MERCHANT_BALANCE';
    case 'USER_ACCOUNT_ABNORMAL':
      return 'USER_ACCOUNT_ABNORMAL';
    case 'SIGN_ERROR':
    case 'NO_AUTH':
    case 'MCH_NOT_EXISTS':
      return 'AUTH_REJECTED';
    case 'RESOURCE_NOT_EXISTS':
    case 'ORDER_NOT_EXIST':
      return 'PAYMENT_NOT_FOUND';
    case 'PARAM_ERROR':
      return err?.detail?.field?.startsWith('/amount') || message.includes('金额')
        ? 'AMOUNT_INVALID'
        : 'INVALID_REQUEST';
    case 'INVALID_REQUEST':
      // Message texts are not contractual (⚠ in PROTOCOLS); they only refine an already-definitive refusal.
      if (message.includes('不一致') || message.includes('已经被')) return 'REFUND_NUMBER_CONFLICT';
      return 'REFUND_NOT_ALLOWED';
    default:
      return status === 401 ? 'AUTH_REJECTED' : status === 403 ? 'REFUND_NOT_ALLOWED' : 'INVALID_REQUEST';
  }
}

export function wechatError(status: number, raw: unknown): ProviderError {
  const err = parseWechatError(raw);
  const code = classify(status, err);
  return new ProviderError(
    code,
    `wechatpay ${status} ${err?.code ?? ''}: ${err?.message ?? 'no error body'}`.trim(),
    err?.code,
    status,
  );
}
