import { recordAudit, type Actor } from '../audit/index.js';
import { inTransaction, sqlOn, toBigint, toDate, type TableRow } from '../db/index.js';
import { money } from '../money/index.js';
import type { CaseCoupon } from './case-outcome.entity.js';
import { CaseError } from './cases.errors.js';
import type { CasesDeps } from './cases.deps.js';
import type { CouponRedemption } from './cases.model.js';

type CouponRow = TableRow<
  CaseCoupon,
  'code' | 'case' | 'customerId' | 'amountMinor' | 'currency' | 'redeemedAt' | 'redeemedOrderId'
>;

const ORDER_ID = /^[\w.:-]{1,64}$/;

/** Coupons granted by accepted COUPON decisions, redeemed by the order system exactly once. */
export class CaseCoupons {
  constructor(private readonly deps: Pick<CasesDeps, 'orm'>) {}

  /**
   * Marks the coupon redeemed on `orderId`, with the coupon row locked: the first order wins, the same
   * order asking again gets the same answer (`replayed`), any other order COUPON_ALREADY_REDEEMED.
   * An unknown code reads as COUPON_NOT_FOUND.
   */
  async redeem(code: string, orderId: string, actor: Actor): Promise<CouponRedemption> {
    if (!ORDER_ID.test(orderId)) {
      throw new CaseError('INVALID_CASE_INPUT', 'orderId is 1 to 64 letters, digits or . : _ -', {
        field: 'orderId',
      });
    }
    return inTransaction(this.deps.orm, async (em) => {
      const sql = sqlOn(em);
      const [row] = await sql.prepared<CouponRow>(
        `select code, case_id, customer_id, amount_minor, currency, redeemed_at, redeemed_order_id
           from case_coupon where code = $1 for update`,
        [code.slice(0, 32)],
      );
      if (!row) throw new CaseError('COUPON_NOT_FOUND', 'no such coupon');
      if (row.redeemed_order_id !== null) {
        if (row.redeemed_order_id === orderId) return toRedemption(row, true);
        throw new CaseError('COUPON_ALREADY_REDEEMED', `coupon ${row.code} is already redeemed`, {
          code: row.code,
        });
      }
      const [redeemed] = await sql.prepared<CouponRow>(
        `update case_coupon set redeemed_at = now(), redeemed_order_id = $2
          where code = $1 and redeemed_order_id is null
          returning code, case_id, customer_id, amount_minor, currency, redeemed_at, redeemed_order_id`,
        [row.code, orderId],
      );
      await recordAudit(sql, {
        actor,
        action: 'case.coupon_redeemed',
        subjectType: 'case',
        subjectId: row.case_id,
        after: { code: row.code, orderId, amountMinor: row.amount_minor },
      });
      return toRedemption(redeemed!, false);
    });
  }
}

function toRedemption(row: CouponRow, replayed: boolean): CouponRedemption {
  return {
    code: row.code,
    caseId: row.case_id,
    customerId: row.customer_id,
    amount: money(toBigint(row.amount_minor), row.currency),
    redeemedAt: toDate(row.redeemed_at!),
    orderId: row.redeemed_order_id!,
    replayed,
  };
}
