import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FaultKind, SimClock } from '../shared/index.js';
import {
  applyEdit,
  generateRows,
  renderBill,
  type BillType,
  type StatementEdit,
  type StatementState,
} from './wechatpay.bills.js';
import { isBillDate, shanghaiInstant } from './wechatpay-time.js';
import { apiError, type ApiResult, type SimPayment, type SimRefund } from './wechatpay.types.js';

export const WECHAT_PRODUCTION_BASE = 'https://api.mch.weixin.qq.com';

export interface BillSettings {
  readonly readyHour: number;
  readonly readyMinute: number;
  readonly downloadUrlTtlMs: number;
  readonly feeRateBps: number;
  /** Append `&tartype=gzip` to download_url for GZIP (seen in the wild). */
  readonly tartypeInDownloadUrl: boolean;
}

interface DownloadToken {
  readonly bytes: Buffer;
  readonly gzip: boolean;
  readonly expiresAtMs: number;
  readonly billDate: string;
}

/** What the trade bills are generated from: the simulator's payments and refunds. */
export interface BillSource {
  readonly appid: string;
  readonly mchid: string;
  payments(): SimPayment[];
  refunds(): SimRefund[];
}

/**
 * Trade bills: generated per day on first request (then frozen), edited by tests, downloaded through
 * short-lived tokens (`/v3/bill/tradebill` → `download_url`).
 */
export class WechatPayStatements {
  private readonly statements = new Map<string, StatementState>();
  private readonly pendingEdits = new Map<string, StatementEdit[]>();
  private readonly readyOverrides = new Map<string, Date>();
  private readonly tokens = new Map<string, DownloadToken>();

  constructor(
    private readonly clock: SimClock,
    private readonly settings: BillSettings,
    private readonly source: BillSource,
  ) {}

  edit(billDate: string, edit: StatementEdit): void {
    if (!isBillDate(billDate)) throw new Error(`bad bill date '${billDate}'`);
    const state = this.statements.get(billDate);
    if (state) applyEdit(state, edit, this.identity());
    else this.pendingEdits.set(billDate, [...(this.pendingEdits.get(billDate) ?? []), edit]);
  }

  setReadyTime(billDate: string, at: Date): void {
    this.readyOverrides.set(billDate, at);
  }

  reset(billDate: string): void {
    this.statements.delete(billDate);
  }

  /** The bill date a download token was issued for (the fault key of `bill.download`). */
  billDateOfToken(token: string): string | undefined {
    return this.tokens.get(token)?.billDate;
  }

  /** `GET /v3/bill/tradebill`. */
  apply(query: URLSearchParams, hits: readonly FaultKind[]): ApiResult {
    const date = query.get('bill_date') ?? '';
    const type = (query.get('bill_type') ?? 'ALL') as BillType;
    const tar = query.get('tar_type');
    const refused = billQueryError(query, date, type, tar);
    if (refused) return refused;
    const now = this.clock.now();
    if (now.getTime() - shanghaiInstant(date, 0, 0).getTime() > 93 * 86_400_000)
      return apiError(400, 'NO_STATEMENT_EXIST', '请求的账单文件不存在');
    if (now < this.readyAt(date)) return apiError(400, 'STATEMENT_CREATING', '账单生成中');
    const state = this.statementFor(date);
    const rendered = renderBill(state.rows, type, state.summaryOverride);
    if (!state.rows.some((r) => type === 'ALL' || (type === 'SUCCESS') === (r.kind === 'PAYMENT'))) {
      return apiError(400, 'NO_STATEMENT_EXIST', '请求的账单文件不存在');
    }
    const plain = Buffer.from(rendered, 'utf8');
    const hash = createHash('sha1').update(plain).digest('hex');
    const wrongHash = hits.some((f) => f.kind === 'custom' && f.name === 'wrongHash');
    const token = randomBytes(36).toString('base64url');
    this.tokens.set(token, {
      bytes: tar === 'GZIP' ? gzipSync(plain) : plain,
      gzip: tar === 'GZIP',
      expiresAtMs: Date.now() + this.settings.downloadUrlTtlMs,
      billDate: date,
    });
    const extra = tar === 'GZIP' && this.settings.tartypeInDownloadUrl ? '&tartype=gzip' : '';
    return {
      kind: 'json',
      status: 200,
      body: {
        hash_type: 'SHA1',
        hash_value: wrongHash ? createHash('sha1').update('x').digest('hex') : hash,
        download_url: `${WECHAT_PRODUCTION_BASE}/v3/billdownload/file?token=${token}${extra}`,
      },
    };
  }

  /** `GET /v3/billdownload/file`. */
  download(query: URLSearchParams, hits: readonly FaultKind[]): ApiResult {
    const t = this.tokens.get(query.get('token') ?? '');
    if (!t) return apiError(404, 'RESOURCE_NOT_EXISTS', '账单下载链接不存在');
    // Expiry is about the real URL lifetime, so it uses wall time like signatures do.
    if (Date.now() > t.expiresAtMs) return apiError(400, 'INVALID_REQUEST', '账单下载链接已过期');
    let bytes = t.bytes;
    if (hits.some((f) => f.kind === 'custom' && f.name === 'truncate'))
      bytes = bytes.subarray(0, Math.floor(bytes.length / 2));
    const textCsv = hits.some((f) => f.kind === 'custom' && f.name === 'textCsv');
    const contentType = textCsv ? 'text/csv' : t.gzip ? 'application/x-gzip' : 'text/plain';
    return { kind: 'file', status: 200, contentType, bytes };
  }

  private identity(): { appid: string; mchid: string; feeRateBps: number } {
    return { appid: this.source.appid, mchid: this.source.mchid, feeRateBps: this.settings.feeRateBps };
  }

  private statementFor(date: string): StatementState {
    let state = this.statements.get(date);
    if (!state) {
      state = {
        rows: generateRows(date, this.source.payments(), this.source.refunds(), this.settings.feeRateBps),
        summaryOverride: {},
        generatedAt: this.clock.now(),
      };
      for (const e of this.pendingEdits.get(date) ?? []) applyEdit(state, e, this.identity());
      this.pendingEdits.delete(date);
      this.statements.set(date, state);
    }
    return state;
  }

  private readyAt(date: string): Date {
    return (
      this.readyOverrides.get(date) ??
      shanghaiInstant(date, this.settings.readyHour, this.settings.readyMinute, 1)
    );
  }
}

/** What is wrong with a trade-bill query's parameters, if anything. */
function billQueryError(
  query: URLSearchParams,
  date: string,
  type: BillType,
  tar: string | null,
): ApiResult | undefined {
  const unknown = [...query.keys()].find(
    (k) => !['bill_date', 'bill_type', 'tar_type', 'sub_mchid'].includes(k),
  );
  if (unknown)
    return apiError(400, 'PARAM_ERROR', '参数错误', {
      field: unknown,
      issue: '请求中含有未在API文档中定义的参数',
      location: 'query',
    });
  if (!isBillDate(date))
    return apiError(400, 'PARAM_ERROR', '账单日期格式不正确', {
      field: 'bill_date',
      value: date,
      location: 'query',
    });
  if (!['ALL', 'SUCCESS', 'REFUND'].includes(type)) return apiError(400, 'PARAM_ERROR', 'bill_type取值错误');
  if (tar !== null && tar !== 'GZIP') return apiError(400, 'PARAM_ERROR', 'tar_type取值错误');
  return undefined;
}
