import { money } from '../../src/money/index.js';
import { LedgerService, paymentCaptured, type EntryInput } from '../../src/ledger/index.js';
import type { Orm } from '../../src/db/index.js';
import { createTestOrm } from '../support/db.js';

export const cny = (minor: bigint | number) => money(BigInt(minor), 'CNY');

let sequence = 0;
export const uniqueId = (prefix: string) => `${prefix}_${process.pid}_${++sequence}`;

export async function ledgerHarness(poolMax = 10): Promise<{
  orm: Orm;
  ledger: LedgerService;
  url: string;
  close: () => Promise<void>;
}> {
  const { orm, url, close } = await createTestOrm(poolMax);
  return { orm, url, ledger: new LedgerService(orm), close };
}

/** Money into the system: a captured payment for a merchant. */
export function newCapturedPayment(options: {
  amountMinor: bigint;
  merchantId?: string;
  paymentId?: string;
}): EntryInput {
  return paymentCaptured({
    paymentId: options.paymentId ?? uniqueId('pay'),
    provider: 'wechatpay',
    merchantId: options.merchantId ?? 'm_1',
    amount: cny(options.amountMinor),
  });
}

/** SQLSTATE of the error a promise rejects with. */
export async function sqlState(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; constraint?: string }> {
  try {
    await promise;
  } catch (error) {
    let e: unknown = error;
    for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
      const c = e as {
        code?: unknown;
        message?: string;
        constraint?: string;
        cause?: unknown;
        previous?: unknown;
      };
      if (typeof c.code === 'string' && /^[0-9A-Z]{5}$/.test(c.code)) {
        return { code: c.code, message: String(c.message), constraint: c.constraint };
      }
      e = c.cause ?? c.previous;
    }
    throw error;
  }
  throw new Error('expected the database to refuse the statement');
}
