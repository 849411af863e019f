/**
 * Alipay adapter (pure I/O, docs/providers.md): refunds, refund queries, notify verification and trade bills over
 * alipay-sdk's legacy `exec` with response-signature validation. No database, no ledger.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import type { AlipaySdk } from 'alipay-sdk';
import type { Logger } from 'pino';
import { loadOnce } from '../load-once.js';
import {
  ProviderError,
  readStatement,
  type HttpReply,
  type InboundHttpRequest,
  type PaymentProvider,
  type ProviderRefundLookup,
  type ProviderRefundRequest,
  type ProviderRefundResult,
  type StatementDownload,
  type VerifiedNotification,
} from '../payment-provider.js';
import { gatewayError, sdkError } from './alipay-errors.js';
import { verifyAlipayNotification } from './alipay-notify.verifier.js';
import { beijingDayStart, formatYuan, parseBeijingTime, parseYuan } from './alipay-units.js';

export interface AlipayProviderConfig {
  readonly appId: string;
  /** PKCS1 PEM (alipay-sdk's default key type). */
  readonly appPrivateKeyPem: string;
  readonly alipayPublicKeyPem: string;
  /** e.g. `https://openapi.alipay.com/gateway.do` or the simulator's `/gateway.do`. */
  readonly gatewayUrl: string;
  readonly timeoutMs: number;
  readonly sellerId?: string | undefined;
  /**
   * When day D's bill is expected at the latest, after D+1 00:00 Beijing. Before that,
   * `isp.bill_not_exist` means NOT_READY; after it, NO_STATEMENT. Default 10 h (D+1 10:00).
   */
  readonly billExpectedAfterMs?: number | undefined;
  readonly logger?: Logger | undefined;
  /** Clock for statement readiness decisions (tests). Default: real time. */
  readonly now?: (() => Date) | undefined;
}

const REFUND_REASON_MAX = 256;

type GatewayNode = Readonly<Record<string, unknown>>;

function text(node: GatewayNode, key: string): string | undefined {
  const v = node[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * alipay-sdk keeps both keys as PEM text and hands them to node:crypto's sign/verify, which parses the
 * PEM again on every call (an RSA-2048 signature measured 1.15 ms from PEM, 0.82 ms from a parsed key).
 * Those functions take a KeyObject wherever they take PEM, and the SDK uses the keys nowhere else, so
 * the formatted PEM (after the SDK's own validation) is swapped for the parsed key.
 */
function parseKeysOnce(sdk: AlipaySdk): void {
  const keys = sdk.config as unknown as { privateKey: unknown; alipayPublicKey: unknown };
  if (typeof keys.privateKey === 'string') keys.privateKey = createPrivateKey(keys.privateKey);
  if (typeof keys.alipayPublicKey === 'string' && keys.alipayPublicKey !== '') {
    keys.alipayPublicKey = createPublicKey(keys.alipayPublicKey);
  }
}

export function createAlipayProvider(config: AlipayProviderConfig) {
  // The SDK (with undici, urllib and their dependencies) loads on the adapter's first use.
  const sdk = loadOnce(async () => {
    const { AlipaySdk } = await import('alipay-sdk');
    const created = new AlipaySdk({
      appId: config.appId,
      privateKey: config.appPrivateKeyPem,
      alipayPublicKey: config.alipayPublicKeyPem,
      gateway: config.gatewayUrl,
      timeout: config.timeoutMs,
      camelcase: false,
      signType: 'RSA2',
    });
    parseKeysOnce(created);
    return created;
  });
  const now = config.now ?? (() => new Date());
  const log = config.logger;

  async function call(method: string, biz: Record<string, unknown>): Promise<GatewayNode> {
    const client = await sdk();
    let result: GatewayNode;
    try {
      result = await client.exec(method, { bizContent: biz }, { validateSign: true });
    } catch (err) {
      const mapped = sdkError(err, method);
      log?.warn({ method, code: mapped.code }, 'alipay call failed');
      throw mapped;
    }
    if (result['code'] !== '10000') throw gatewayError(result, method);
    return result;
  }

  async function queryRefund(lookup: ProviderRefundLookup): Promise<ProviderRefundResult | null> {
    const node = await call('alipay.trade.fastpay.refund.query', {
      out_trade_no: lookup.outTradeNo,
      ...(lookup.providerTransactionId ? { trade_no: lookup.providerTransactionId } : {}),
      out_request_no: lookup.refundId,
      query_options: ['gmt_refund_pay'],
    });
    // "Data returned = refunded; nothing returned = not refunded, retry with the same number."
    if (text(node, 'refund_status') !== 'REFUND_SUCCESS') return null;
    const amountMinor = parseYuan(text(node, 'refund_amount') ?? '');
    if (amountMinor === null)
      throw new ProviderError('PROVIDER_UNAVAILABLE', 'refund query: missing refund_amount');
    return {
      status: 'SUCCEEDED',
      refundId: lookup.refundId,
      providerRefundId: null,
      amountMinor,
      succeededAt: parseBeijingTime(text(node, 'gmt_refund_pay') ?? ''),
    };
  }

  async function refund(request: ProviderRefundRequest): Promise<ProviderRefundResult> {
    if (request.currency !== 'CNY')
      throw new ProviderError('INVALID_REQUEST', `alipay refunds are CNY, not ${request.currency}`);
    if (request.amountMinor <= 0n) throw new ProviderError('AMOUNT_INVALID', 'refund amount must be > 0');
    const node = await call('alipay.trade.refund', {
      out_trade_no: request.outTradeNo,
      ...(request.providerTransactionId ? { trade_no: request.providerTransactionId } : {}),
      refund_amount: formatYuan(request.amountMinor),
      // Always send out_request_no: retries stay idempotent and partial refunds are allowed.
      out_request_no: request.refundId,
      refund_reason: [...request.reason].slice(0, REFUND_REASON_MAX).join(''),
    });
    if (text(node, 'fund_change') === 'Y') {
      return {
        status: 'SUCCEEDED',
        refundId: request.refundId,
        providerRefundId: null,
        amountMinor: request.amountMinor,
        succeededAt: parseBeijingTime(text(node, 'gmt_refund_pay') ?? '') ?? now(),
      };
    }
    // fund_change=N: an idempotent replay of a done refund, or still processing. Only the query tells.
    const queried = await queryRefund(request);
    return (
      queried ?? {
        status: 'PROCESSING',
        refundId: request.refundId,
        providerRefundId: null,
        amountMinor: request.amountMinor,
        succeededAt: null,
      }
    );
  }

  function statementMissing(billDate: string): StatementDownload {
    const expectedBy =
      beijingDayStart(billDate).getTime() + 86_400_000 + (config.billExpectedAfterMs ?? 10 * 3600_000);
    return now().getTime() < expectedBy ? { status: 'NOT_READY' } : { status: 'NO_STATEMENT' };
  }

  async function downloadStatement(billDate: string): Promise<StatementDownload> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(billDate))
      throw new ProviderError('INVALID_REQUEST', `bad bill date ${billDate}`);
    let node: GatewayNode;
    try {
      node = await call('alipay.data.dataservice.bill.downloadurl.query', {
        bill_type: 'trade',
        bill_date: billDate,
      });
    } catch (err) {
      if (err instanceof ProviderError && err.providerCode === 'isp.bill_not_exist')
        return statementMissing(billDate);
      throw err;
    }
    const url = text(node, 'bill_download_url');
    if (!url) throw new ProviderError('PROVIDER_UNAVAILABLE', 'bill query: no bill_download_url');
    const raw = await fetchBill(url, config.timeoutMs);
    // An Alipay bill carries no hash: reading it through once (constant memory) is the integrity check.
    // The parser (GBK tables, unzip) loads with the first statement.
    const { parseAlipayBillZip } = await import('./alipay-statement.parser.js');
    await readStatement(parseAlipayBillZip([raw]), () => undefined);
    return {
      status: 'READY',
      raw,
      format: 'ALIPAY_TRADE_ZIP',
      fileName: new URL(url).searchParams.get('downloadFileName') ?? `${billDate}.csv.zip`,
      sha256: createHash('sha256').update(raw).digest('hex'),
    };
  }

  const provider = {
    channel: 'ALIPAY' as const,
    refund,
    queryRefund,
    async verifyNotification(request: InboundHttpRequest, at: Date): Promise<VerifiedNotification> {
      return verifyAlipayNotification(await sdk(), config.appId, request, at);
    },
    acknowledge(accepted: boolean): HttpReply {
      // Alipay only looks for the literal body `success`; anything else makes it resend.
      return accepted
        ? { status: 200, headers: { 'content-type': 'text/plain' }, body: 'success' }
        : { status: 400, headers: { 'content-type': 'text/plain' }, body: 'fail' };
    },
    downloadStatement,
  } satisfies PaymentProvider;
  return provider;
}

export type AlipayProvider = ReturnType<typeof createAlipayProvider>;

/** The URL lives ~30 s: fetch immediately, plain GET, no signature. */
async function fetchBill(url: string, timeoutMs: number): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const timeout = err instanceof Error && err.name === 'TimeoutError';
    throw new ProviderError(
      timeout ? 'TIMEOUT' : 'NETWORK',
      `bill download: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const body = Buffer.from(await res.arrayBuffer());
  // An expired URL answers with an error page ⚠: ask again for a fresh URL.
  if (res.status !== 200)
    throw new ProviderError(
      'PROVIDER_UNAVAILABLE',
      `bill download: HTTP ${res.status}`,
      undefined,
      res.status,
    );
  return body;
}
