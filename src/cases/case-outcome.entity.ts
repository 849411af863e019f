import { defineEntity, p } from '@mikro-orm/core';
import { CaseDecisionSchema, CaseSchema } from './case.entity.js';

/** A coupon granted by an accepted COUPON decision: the code the order system redeems. */
export const CaseCouponSchema = defineEntity({
  name: 'CaseCoupon',
  tableName: 'case_coupon',
  properties: {
    code: p.string().primary().length(32),
    case: () => p.manyToOne(CaseSchema).ref().deleteRule('restrict').updateRule('restrict'),
    decision: () => p.manyToOne(CaseDecisionSchema).ref().deleteRule('restrict').updateRule('restrict'),
    customerId: p.string().length(64),
    amountMinor: p.bigint('bigint'),
    currency: p.string().length(3),
    ledgerEntryId: p.string().length(64),
    issuedAt: p.datetime().defaultRaw('now()'),
    redeemedAt: p.datetime().nullable(),
    redeemedOrderId: p.string().length(64).nullable(),
  },
  indexes: [{ properties: ['customerId', 'issuedAt'] }],
  uniques: [{ name: 'case_coupon_decision_unique', properties: ['decision'] }],
  checks: [
    { name: 'case_coupon_amount_positive', expression: 'amount_minor > 0' },
    {
      name: 'case_coupon_redeemed_check',
      expression: '(redeemed_at is null) = (redeemed_order_id is null)',
    },
  ],
});

export type CaseCoupon = InstanceType<typeof CaseCouponSchema.class>;

/** A redelivery the order system must perform (queryable, and pushed to the webhook). */
export const RedeliverySchema = defineEntity({
  name: 'Redelivery',
  tableName: 'case_redelivery',
  properties: {
    id: p.bigint('bigint').primary().autoincrement(),
    case: () => p.manyToOne(CaseSchema).ref().deleteRule('restrict').updateRule('restrict'),
    decision: () => p.manyToOne(CaseDecisionSchema).ref().deleteRule('restrict').updateRule('restrict'),
    orderId: p.string().length(64),
    merchantId: p.string().length(64),
    createdAt: p.datetime().defaultRaw('now()'),
  },
  uniques: [{ name: 'case_redelivery_decision_unique', properties: ['decision'] }],
});

export type Redelivery = InstanceType<typeof RedeliverySchema.class>;

/** Admin-editable rule parameters; a change is a new version, never an update. */
export const CaseRuleVersionSchema = defineEntity({
  name: 'CaseRuleVersion',
  tableName: 'case_rule_version',
  properties: {
    ruleId: p.string().primary().length(64),
    version: p.integer().primary(),
    params: p.json<Record<string, unknown>>(),
    createdBy: p.string().length(128),
    note: p.string().length(500),
    createdAt: p.datetime().defaultRaw('now()'),
  },
  checks: [{ name: 'case_rule_version_positive', expression: 'version > 0' }],
});

export type CaseRuleVersion = InstanceType<typeof CaseRuleVersionSchema.class>;

/** Rider positions reported by the order system while an order is out for delivery. */
export const RiderPositionSchema = defineEntity({
  name: 'RiderPosition',
  tableName: 'rider_position',
  properties: {
    id: p.bigint('bigint').primary().autoincrement(),
    orderId: p.string().length(64),
    riderId: p.string().length(64),
    lat: p.double(),
    lng: p.double(),
    /** Where the order goes, when the order system sends it with the position. */
    destLat: p.double().nullable(),
    destLng: p.double().nullable(),
    recordedAt: p.datetime(),
    receivedAt: p.datetime().defaultRaw('now()'),
  },
  indexes: [{ properties: ['orderId', 'recordedAt'] }],
});

export type RiderPosition = InstanceType<typeof RiderPositionSchema.class>;

/** An early warning on an order (rider stationary, moving away): for support, never a refund. */
export const OrderWarningSchema = defineEntity({
  name: 'OrderWarning',
  tableName: 'order_warning',
  properties: {
    id: p.string().primary().length(64),
    orderId: p.string().length(64),
    riderId: p.string().length(64).nullable(),
    kind: p.string().length(24),
    detail: p.json<Record<string, unknown>>(),
    raisedAt: p.datetime().defaultRaw('now()'),
  },
  indexes: [{ properties: ['raisedAt'] }],
  uniques: [{ name: 'order_warning_order_kind_unique', properties: ['orderId', 'kind'] }],
  checks: [
    { name: 'order_warning_kind_check', expression: `kind in ('RIDER_STATIONARY', 'RIDER_MOVING_AWAY')` },
  ],
});

export type OrderWarning = InstanceType<typeof OrderWarningSchema.class>;
