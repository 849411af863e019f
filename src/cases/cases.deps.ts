import type { Orm } from '../db/index.js';
import type { LedgerService } from '../ledger/index.js';
import type { Logger } from '../logging/index.js';
import type { NotificationsService } from '../notifications/index.js';
import type { PaymentsService } from '../payments/index.js';
import type { RefundService } from '../refunds/index.js';
import type { CaseRuleStore } from './case-rules.store.js';
import type { RiskPort } from './risk.port.js';

export interface CaseSettings {
  /** How long a COUPON or REDELIVERY proposal waits for the customer; silence then accepts. */
  readonly proposalTimeoutMs: number;
  /** How often a case re-reads the refund it issued until the refund is final. */
  readonly refundFollowMs: number;
  /** How long after a decision the liable merchant or rider may appeal. */
  readonly appealWindowMs: number;
  readonly lateAfterMs: number;
  readonly notDeliveredAfterMs: number;
  readonly lookbackMs: number;
  /** Coupon proposed on a detected LATE case, in minor units (0: none). */
  readonly lateCouponMinor: number;
  readonly stationaryMs: number;
  readonly stationaryMeters: number;
  readonly movingAwayMeters: number;
}

/** What the cases module uses, each through its owner's public surface; built in src/main.ts. */
export interface CasesDeps {
  readonly orm: Orm;
  readonly payments: PaymentsService;
  readonly refunds: RefundService;
  readonly ledger: LedgerService;
  readonly notifications: NotificationsService;
  readonly rules: CaseRuleStore;
  readonly risk: RiskPort;
  readonly logger: Logger;
  readonly settings: CaseSettings;
  /** The clock (tests move it); defaults to the system time. */
  readonly now?: () => Date;
}
