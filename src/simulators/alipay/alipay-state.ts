/**
 * In-memory state of the Alipay simulator: trades, refunds (keyed per trade by out_request_no),
 * requests received, and how often funds actually moved per refund (the "exactly one refund reached
 * the provider" assertion).
 */

export type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';

export interface SimTrade {
  readonly tradeNo: string;
  readonly outTradeNo: string;
  readonly totalFen: bigint;
  refundedFen: bigint;
  status: TradeStatus;
  frozen: boolean;
  readonly subject: string;
  readonly body: string | undefined;
  readonly notifyUrl: string | undefined;
  readonly createdAt: Date;
  readonly paidAt: Date;
  closedAt: Date | undefined;
  readonly buyerId: string;
  readonly buyerLogonId: string;
  readonly storeId: string;
  readonly operatorId: string;
}

export type SimRefundStatus = 'PROCESSING' | 'SUCCESS';

export interface SimRefund {
  /** The out_request_no, or the out_trade_no for a full refund sent without one. */
  readonly outRequestNo: string;
  readonly tradeNo: string;
  readonly outTradeNo: string;
  readonly amountFen: bigint;
  readonly reason: string;
  status: SimRefundStatus;
  readonly requestedAt: Date;
  completedAt: Date | undefined;
  /** When a PROCESSING refund completes by itself (undefined: only via the control API). */
  completeAt: Date | undefined;
  /** How many times funds moved for this refund. Anything but 0 or 1 is a simulator bug. */
  fundMovements: number;
  /** How many refund calls carried this out_request_no (first + replays). */
  calls: number;
}

export interface ReceivedRequest {
  readonly at: Date;
  readonly method: string;
  readonly params: Readonly<Record<string, string>>;
  readonly biz: Readonly<Record<string, unknown>>;
  readonly signatureValid: boolean;
}

export class AlipayState {
  readonly trades = new Map<string, SimTrade>();
  readonly refunds = new Map<string, SimRefund>();
  readonly requests: ReceivedRequest[] = [];
  private tradeSeq = 0;

  nextTradeNo(now: Date): string {
    this.tradeSeq += 1;
    // 28 digits like a real trade_no: date, a fixed "22001" marker, then a sequence.
    const ymd = now.toISOString().slice(0, 10).replaceAll('-', '');
    return `${ymd}22001${String(this.tradeSeq).padStart(15, '0')}`;
  }

  findTrade(tradeNo: string | undefined, outTradeNo: string | undefined): SimTrade | undefined {
    if (tradeNo) return [...this.trades.values()].find((t) => t.tradeNo === tradeNo);
    return outTradeNo === undefined ? undefined : this.trades.get(outTradeNo);
  }

  refundKey(tradeNo: string, outRequestNo: string): string {
    return `${tradeNo}\u0000${outRequestNo}`;
  }

  findRefund(trade: SimTrade, outRequestNo: string): SimRefund | undefined {
    return this.refunds.get(this.refundKey(trade.tradeNo, outRequestNo));
  }

  refundsOf(trade: SimTrade): SimRefund[] {
    return [...this.refunds.values()].filter((r) => r.tradeNo === trade.tradeNo);
  }
}
