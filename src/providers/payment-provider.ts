/**
 * The one interface every payment-provider adapter implements (docs/providers.md: adapters are pure I/O).
 *
 * An adapter never touches the database or the ledger. It converts our units (bigint minor units,
 * Date) to the provider's wire units and back, verifies every signature it is handed, and turns every
 * failure into a `ProviderError` whose `retryable` flag tells the worker whether the outcome is
 * unknown (retry with the SAME refund number / query) or definitive.
 */

export type Channel = 'WECHAT_PAY' | 'ALIPAY';

/** A refund as the provider must see it. `refundId` is our id and the provider's out_refund_no / out_request_no. */
export interface ProviderRefundRequest {
  readonly refundId: string;
  readonly outTradeNo: string;
  readonly providerTransactionId?: string | undefined;
  /** This refund, in minor units. */
  readonly amountMinor: bigint;
  /** The original payment's total, in minor units (WeChat requires it as `amount.total`). */
  readonly paymentTotalMinor: bigint;
  readonly currency: string;
  /** Already truncated by the caller to the provider's limit is NOT assumed: the adapter truncates. */
  readonly reason: string;
  /** Where the provider should send refund notifies (WeChat `notify_url`; Alipay ignores it). */
  readonly notifyUrl?: string | undefined;
}

export interface ProviderRefundLookup {
  readonly refundId: string;
  readonly outTradeNo: string;
  readonly providerTransactionId?: string | undefined;
}

/** Normalised provider-side refund state. `PROCESSING` covers "accepted, not final". */
export type ProviderRefundStatus = 'PROCESSING' | 'SUCCEEDED' | 'ABNORMAL' | 'CLOSED';

export interface ProviderRefundResult {
  readonly status: ProviderRefundStatus;
  readonly refundId: string;
  readonly providerRefundId: string | null;
  readonly amountMinor: bigint;
  readonly succeededAt: Date | null;
}

/** Closed set of failure codes; `retryable` is fixed per code by `providerError()`. */
export type ProviderErrorCode =
  // outcome unknown: retry with the same refund number, or query
  | 'TIMEOUT'
  | 'NETWORK'
  | 'PROVIDER_UNAVAILABLE'
  | 'RATE_LIMITED'
  | 'BAD_RESPONSE_SIGNATURE'
  // definitive refusals
  | 'INSUFFICIENT_MERCHANT_BALANCE'
  | 'PAYMENT_NOT_FOUND'
  | 'AMOUNT_INVALID'
  | 'REFUND_NUMBER_CONFLICT'
  | 'REFUND_NOT_ALLOWED'
  | 'USER_ACCOUNT_ABNORMAL'
  | 'INVALID_REQUEST'
  | 'AUTH_REJECTED'
  // notify verification
  | 'INVALID_SIGNATURE'
  | 'SIGNATURE_PROBE'
  | 'STALE_TIMESTAMP'
  | 'DECRYPTION_FAILED'
  | 'MALFORMED_NOTIFICATION'
  // statements
  | 'STATEMENT_NOT_READY'
  | 'STATEMENT_CORRUPT';

const RETRYABLE: ReadonlySet<ProviderErrorCode> = new Set<ProviderErrorCode>([
  'TIMEOUT',
  'NETWORK',
  'PROVIDER_UNAVAILABLE',
  'RATE_LIMITED',
  'BAD_RESPONSE_SIGNATURE',
  'INSUFFICIENT_MERCHANT_BALANCE',
  'STATEMENT_NOT_READY',
  'STATEMENT_CORRUPT',
]);

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly retryable: boolean;
  constructor(
    readonly code: ProviderErrorCode,
    message: string,
    /** The provider's own code (`SYSTEM_ERROR`, `ACQ.TRADE_NOT_EXIST`, …), for audit and support. */
    readonly providerCode?: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.retryable = RETRYABLE.has(code);
  }
}

/** A notify whose signature (and, for WeChat, GCM tag) checked out. */
export type ProviderNotificationEvent =
  | {
      readonly type: 'PAYMENT_SUCCEEDED';
      readonly outTradeNo: string;
      readonly providerTransactionId: string;
      readonly amountMinor: bigint;
      readonly currency: string;
      readonly paidAt: Date;
    }
  | {
      readonly type: 'REFUND_STATUS';
      /** Our refund id (out_refund_no / out_biz_no). */
      readonly refundId: string;
      readonly outTradeNo: string;
      readonly providerTransactionId: string | null;
      readonly providerRefundId: string | null;
      readonly status: ProviderRefundStatus;
      /** This refund's amount when the provider says it (WeChat); null when it does not (Alipay). */
      readonly amountMinor: bigint | null;
      /** Alipay: cumulative refunded amount on the trade (`refund_fee`), monotonic. */
      readonly cumulativeRefundedMinor: bigint | null;
      readonly occurredAt: Date;
    }
  | {
      /** Signed and ours, but nothing to apply (Alipay TRADE_FINISHED, TRADE_CLOSED of an unpaid trade): store and acknowledge. */
      readonly type: 'INFORMATIONAL';
      readonly description: string;
    };

export interface VerifiedNotification {
  /** The provider's notification id (WeChat `id`, Alipay `notify_id`); reused across resends. */
  readonly notifyId: string;
  /** Key that identifies the business event, for inbox de-duplication (never the notify id alone). */
  readonly dedupeKey: string;
  readonly event: ProviderNotificationEvent;
}

export interface InboundHttpRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawBody: Buffer;
}

export interface HttpReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** One parsed statement line, normalised. Amounts are positive minor units; `kind` carries the sign. */
export interface StatementLine {
  readonly kind: 'PAYMENT' | 'REFUND';
  readonly providerTransactionId: string;
  readonly outTradeNo: string;
  readonly refundId: string | null;
  readonly providerRefundId: string | null;
  readonly amountMinor: bigint;
  readonly currency: string;
  /** Fee as the statement gives it, in units of 10^-feeScale of the currency's major unit. */
  readonly fee: { readonly value: bigint; readonly scale: number };
  /** The provider's status text for the row (SUCCESS, PROCESSING, 交易, 退款, …). */
  readonly providerStatus: string;
  readonly occurredAt: Date;
  /** 1-based line number in the source file, for discrepancy reports. */
  readonly sourceLine: number;
}

export interface StatementSummary {
  readonly count: number;
  readonly paymentTotalMinor: bigint;
  readonly refundTotalMinor: bigint;
}

/**
 * A statement file the parser could not trust: unreadable, truncated, a malformed cell (with its line
 * number), or a summary/footer that disagrees with the rows.
 */
export class StatementFormatError extends ProviderError {
  constructor(
    message: string,
    /** 1-based line of the decoded file at fault, when one is. */
    readonly line: number | null,
  ) {
    super('STATEMENT_CORRUPT', line === null ? message : `line ${line}: ${message}`);
  }
}

/**
 * A streaming statement parse: yields the lines in batches as they are read (those of each chunk of
 * input: one await per chunk, not per line) and returns the file's own summary, already cross-checked
 * against the lines (throws StatementFormatError when they disagree).
 */
export type StatementParse = AsyncGenerator<readonly StatementLine[], StatementSummary, undefined>;

/** Runs a parse to the end, handing each line to `each` (awaited: back-pressure), and returns the summary. */
export async function readStatement(
  parse: StatementParse,
  each: (line: StatementLine) => void | Promise<void>,
): Promise<StatementSummary> {
  for (;;) {
    const next = await parse.next();
    if (next.done === true) return next.value;
    for (const line of next.value) {
      const pending = each(line);
      if (pending !== undefined) await pending;
    }
  }
}

/** How a raw statement file is encoded, so it can be parsed again from the stored bytes. */
export type StatementFormat = 'WECHATPAY_TRADEBILL_GZIP' | 'WECHATPAY_TRADEBILL_CSV' | 'ALIPAY_TRADE_ZIP';

export type StatementDownload =
  | { readonly status: 'NOT_READY' }
  | { readonly status: 'NO_STATEMENT' }
  | {
      readonly status: 'READY';
      /** Bytes exactly as downloaded (gzip / zip), kept immutably by reconciliation. */
      readonly raw: Buffer;
      readonly format: StatementFormat;
      readonly fileName: string;
      readonly sha256: string;
    };

export interface PaymentProvider {
  readonly channel: Channel;
  refund(request: ProviderRefundRequest): Promise<ProviderRefundResult>;
  /** `null` when the provider has no record of the refund (safe to resubmit with the same number). */
  queryRefund(lookup: ProviderRefundLookup): Promise<ProviderRefundResult | null>;
  /**
   * Rejects with ProviderError (INVALID_SIGNATURE, SIGNATURE_PROBE, STALE_TIMESTAMP, DECRYPTION_FAILED,
   * MALFORMED_NOTIFICATION). Asynchronous because an adapter loads its provider's SDK on first use.
   */
  verifyNotification(request: InboundHttpRequest, now: Date): Promise<VerifiedNotification>;
  /** The exact acknowledgement the provider expects. */
  acknowledge(accepted: boolean): HttpReply;
  /** `billDate` is an Asia/Shanghai calendar date, `YYYY-MM-DD`. */
  downloadStatement(billDate: string): Promise<StatementDownload>;
}
