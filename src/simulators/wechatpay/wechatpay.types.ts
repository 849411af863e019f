import type { ForcedRefundStatus } from '../shared/index.js';

export type RefundStatus = ForcedRefundStatus;
export type SigningMode = 'public_key' | 'certificate' | 'mixed';

/** How a freshly accepted refund moves on (per simulator, changeable at runtime). */
export type RefundLifecycle =
  | { readonly mode: 'immediate'; readonly outcome?: 'SUCCESS' | 'ABNORMAL' | 'CLOSED' }
  | { readonly mode: 'auto'; readonly afterMs: number; readonly outcome?: 'SUCCESS' | 'ABNORMAL' | 'CLOSED' }
  | { readonly mode: 'manual' };

export interface SimPayment {
  readonly outTradeNo: string;
  readonly transactionId: string;
  readonly appid: string;
  readonly mchid: string;
  readonly totalFen: number;
  readonly currency: 'CNY';
  readonly successTime: Date;
  readonly notifyUrl: string | undefined;
  readonly tradeType: string;
  readonly bankType: string;
  readonly openid: string;
  readonly description: string;
}

export interface SimRefund {
  readonly refundId: string;
  readonly outRefundNo: string;
  readonly outTradeNo: string;
  readonly transactionId: string;
  readonly refundFen: number;
  readonly totalFen: number;
  readonly reason: string | undefined;
  readonly notifyUrl: string | undefined;
  readonly fundsAccount: string;
  /** Canonical JSON of the accepting request body: same out_refund_no + other content → INVALID_REQUEST. */
  readonly fingerprint: string;
  readonly createTime: Date;
  status: RefundStatus;
  successTime: Date | undefined;
  channel: 'ORIGINAL' | 'BALANCE';
  userReceivedAccount: string;
  readonly history: { readonly status: RefundStatus; readonly at: Date; readonly by: string }[];
}

/** Outcome of a protocol handler before transport faults are applied. */
export type ApiResult =
  | { readonly kind: 'json'; readonly status: number; readonly body: unknown }
  | { readonly kind: 'file'; readonly status: number; readonly contentType: string; readonly bytes: Buffer };

export function apiError(
  status: number,
  code: string,
  message: string,
  detail?: { field?: string; value?: unknown; issue?: string; location?: string },
): ApiResult {
  return { kind: 'json', status, body: detail ? { code, message, detail } : { code, message } };
}

export interface RequestRecord {
  readonly seq: number;
  readonly at: Date;
  readonly endpoint: string;
  readonly method: string;
  readonly target: string;
  readonly body: string;
  readonly id: string | undefined;
  /** HTTP status answered, or 'hang'/'reset' when a fault cut the exchange. */
  outcome: number | 'hang' | 'reset';
  code: string | undefined;
  faults: string[];
}
