import { EXTERNAL_ID } from '../db/index.js';
import { LedgerError } from './ledger.errors.js';

/**
 * The chart of accounts (docs/money-and-ledger.md). An account is identified by (code, currency): the code never
 * embeds the currency, so `merchant:m_42:payable` exists once per currency it has seen.
 */
export type AccountType = 'ASSET' | 'LIABILITY' | 'EQUITY' | 'REVENUE' | 'EXPENSE';
export const ACCOUNT_TYPES: readonly AccountType[] = ['ASSET', 'LIABILITY', 'EQUITY', 'REVENUE', 'EXPENSE'];

export type Direction = 'DEBIT' | 'CREDIT';

/** Whose account it is; matches the viewer role that may read it. Platform accounts have no owner. */
export type OwnerKind = 'MERCHANT' | 'RIDER' | 'CUSTOMER';

export type ProviderName = 'wechatpay' | 'alipay';
export const PROVIDERS: readonly ProviderName[] = ['wechatpay', 'alipay'];

export interface AccountSpec {
  readonly code: string;
  readonly type: AccountType;
  readonly ownerKind: OwnerKind | null;
  readonly ownerId: string | null;
  /** The database refuses any posting that would take the normal-side balance below zero. */
  readonly nonNegative: boolean;
  /**
   * Physical rows of the account. Hot platform accounts touched by every payment or refund of a
   * provider have several, so concurrent posters lock different rows (see `shardOf`); reads sum them.
   */
  readonly shards: number;
}

/**
 * Shards of a hot account. Changing it is safe for reads and for accounts that may go negative; for a
 * non-negative account the service keeps a reference's later debits on the shard it first credited.
 */
export const HOT_ACCOUNT_SHARDS = 8;

export const accountCodes = {
  providerClearing: (provider: ProviderName) => `provider:${provider}:clearing`,
  merchantPayable: (merchantId: string) => `merchant:${ownerId(merchantId)}:payable`,
  riderPayable: (riderId: string) => `rider:${ownerId(riderId)}:payable`,
  platformCommission: () => 'platform:commission',
  refundsInFlight: (provider: ProviderName) => `refunds:${provider}:in_flight`,
  platformCompensation: () => 'platform:compensation',
  customerCoupons: (customerId: string) => `customer:${ownerId(customerId)}:coupons`,
  reconSuspense: (provider: ProviderName) => `recon:${provider}:suspense`,
} as const;

const OWNER_ID = EXTERNAL_ID;
const PROVIDER = '(wechatpay|alipay)';
const OWNER = `(${EXTERNAL_ID.source.slice(1, -1)})`;

/**
 * Pattern → account properties. In-flight refunds and customer coupons can never be negative (a refund
 * cannot settle before it is approved; a coupon cannot be spent twice); clearing and payables can,
 * because payouts and provider fees are outside this ledger for now.
 */
const CHART: readonly {
  pattern: RegExp;
  type: AccountType;
  ownerKind: OwnerKind | null;
  nonNegative: boolean;
  shards?: number;
}[] = [
  {
    pattern: new RegExp(`^provider:${PROVIDER}:clearing$`),
    type: 'ASSET',
    ownerKind: null,
    nonNegative: false,
    shards: HOT_ACCOUNT_SHARDS,
  },
  {
    pattern: new RegExp(`^merchant:${OWNER}:payable$`),
    type: 'LIABILITY',
    ownerKind: 'MERCHANT',
    nonNegative: false,
  },
  {
    pattern: new RegExp(`^rider:${OWNER}:payable$`),
    type: 'LIABILITY',
    ownerKind: 'RIDER',
    nonNegative: false,
  },
  {
    pattern: /^platform:commission$/,
    type: 'REVENUE',
    ownerKind: null,
    nonNegative: false,
    shards: HOT_ACCOUNT_SHARDS,
  },
  {
    pattern: new RegExp(`^refunds:${PROVIDER}:in_flight$`),
    type: 'LIABILITY',
    ownerKind: null,
    nonNegative: true,
    shards: HOT_ACCOUNT_SHARDS,
  },
  {
    pattern: /^platform:compensation$/,
    type: 'EXPENSE',
    ownerKind: null,
    nonNegative: false,
    shards: HOT_ACCOUNT_SHARDS,
  },
  {
    pattern: new RegExp(`^customer:${OWNER}:coupons$`),
    type: 'LIABILITY',
    ownerKind: 'CUSTOMER',
    nonNegative: true,
  },
  { pattern: new RegExp(`^recon:${PROVIDER}:suspense$`), type: 'ASSET', ownerKind: null, nonNegative: false },
];

/** What the chart says about a code; UNKNOWN_ACCOUNT_CODE for anything it does not list. */
export function accountSpec(code: string): AccountSpec {
  for (const rule of CHART) {
    const match = rule.pattern.exec(code);
    if (match === null) continue;
    const owner = rule.ownerKind === null ? null : (match[1] ?? null);
    return {
      code,
      type: rule.type,
      ownerKind: rule.ownerKind,
      ownerId: owner,
      nonNegative: rule.nonNegative,
      shards: rule.shards ?? 1,
    };
  }
  throw new LedgerError(
    'UNKNOWN_ACCOUNT_CODE',
    `${JSON.stringify(code.slice(0, 140))} is not in the chart of accounts`,
  );
}

/** The side that increases the account: debit for assets and expenses, credit otherwise. */
export function normalSide(type: AccountType): Direction {
  return type === 'ASSET' || type === 'EXPENSE' ? 'DEBIT' : 'CREDIT';
}

/**
 * The shard an entry with this shard key (its reference id) posts to: FNV-1a over the UTF-8 bytes, mod
 * the shard count. Deterministic and independent of the process, so every entry of one refund lands on
 * the same in-flight row and the per-row non-negative CHECK sees the refund's credit before its debit.
 */
export function shardOf(key: string, shards: number): number {
  if (shards <= 1) return 0;
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

function ownerId(id: string): string {
  if (!OWNER_ID.test(id)) {
    throw new LedgerError('UNKNOWN_ACCOUNT_CODE', 'owner ids are 1–64 characters of [A-Za-z0-9_-]');
  }
  return id;
}
