/**
 * The HTTP layer injected into wechatpay-node-v3 through `pay.createHttp()` (A5.3): rewrites the
 * production host to the configured base URL, enforces a timeout, sends exactly
 * `JSON.stringify(params)` (the bytes the SDK signed), and verifies the signature of every JSON
 * response — 2xx and errors alike — over the raw body before anything is parsed.
 */
import type { IPayRequest, Output } from 'wechatpay-node-v3/dist/define.js';
import { ProviderError } from '../payment-provider.js';
import { verifyWechatSignature } from './notify-crypto.js';
import type { PlatformKeyring } from './platform-keyring.js';
import { WECHAT_PRODUCTION_BASE_URL } from './wechatpay.config.js';

export interface WechatHttpOptions {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly keyring: PlatformKeyring;
  readonly maxSkewMs: number;
  readonly now: () => Date;
}

/** Output with our narrowed payloads: `data` is parsed JSON or the file bytes. */
export interface WechatOutput extends Output {
  status: number;
  data?: unknown;
  errRaw?: unknown;
  error?: string;
}

export class WechatPayHttp implements IPayRequest {
  constructor(private readonly opts: WechatHttpOptions) {}

  post(url: string, params: Record<string, unknown>, headers: Record<string, string>): Promise<Output> {
    return this.call('POST', url, headers, JSON.stringify(params));
  }

  get(url: string, headers: Record<string, string>): Promise<Output> {
    return this.call('GET', url, headers, undefined);
  }

  upload(): Promise<Output> {
    return Promise.reject(new Error('wechatpay upload is not used by this service'));
  }

  /** Only scheme and host change; the path the SDK signed stays byte-identical. */
  rewrite(url: string): string {
    return url.startsWith(WECHAT_PRODUCTION_BASE_URL)
      ? this.opts.baseUrl + url.slice(WECHAT_PRODUCTION_BASE_URL.length)
      : url;
  }

  private async call(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<WechatOutput> {
    const preferred = this.opts.keyring.preferredSerial;
    let res: Response;
    let buf: Buffer;
    try {
      res = await fetch(this.rewrite(url), {
        method,
        headers: { ...headers, ...(preferred ? { 'Wechatpay-Serial': preferred } : {}) },
        body: body ?? null,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      buf = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      throw transportError(err, method, url);
    }
    if (!/json/i.test(res.headers.get('content-type') ?? '')) return { status: res.status, data: buf }; // bill file: unsigned (A1.2)
    const raw = buf.toString('utf8');
    try {
      verifyWechatSignature({
        headers: Object.fromEntries(res.headers),
        rawBody: raw,
        now: this.opts.now(),
        maxSkewMs: this.opts.maxSkewMs,
        keyring: this.opts.keyring,
      });
    } catch (err) {
      // Outcome unknown: the request may have been applied even though we cannot trust the answer.
      throw new ProviderError(
        'BAD_RESPONSE_SIGNATURE',
        `wechatpay response to ${method} ${pathOf(url)} failed verification: ${(err as Error).message}`,
        undefined,
        res.status,
      );
    }
    let json: unknown;
    try {
      json = raw ? (JSON.parse(raw) as unknown) : undefined;
    } catch {
      throw new ProviderError(
        'PROVIDER_UNAVAILABLE',
        `wechatpay returned malformed JSON (${res.status})`,
        undefined,
        res.status,
      );
    }
    return res.ok ? { status: res.status, data: json } : { status: res.status, error: raw, errRaw: json };
  }
}

function pathOf(url: string): string {
  return url.replace(/^https?:\/\/[^/]+/, '').replace(/token=[^&]+/, 'token=…');
}

function transportError(err: unknown, method: string, url: string): ProviderError {
  const e = err as { name?: string; message?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return new ProviderError('TIMEOUT', `wechatpay ${method} ${pathOf(url)} timed out`);
  return new ProviderError(
    'NETWORK',
    `wechatpay ${method} ${pathOf(url)} failed: ${e.cause?.code ?? e.message ?? 'network error'}`,
  );
}
