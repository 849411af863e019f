import { defineEntity, p } from '@mikro-orm/core';

/** SUPPORT: the support team's channel (early warnings), pushed like the others. */
export type RecipientKind = 'CUSTOMER' | 'MERCHANT' | 'RIDER' | 'SUPPORT';

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED' | 'SKIPPED';

/** A message to a customer (or merchant/rider), stored for `myNotifications` and pushed to a webhook. */
export const NotificationSchema = defineEntity({
  name: 'Notification',
  tableName: 'notification',
  properties: {
    id: p.string().primary().length(64),
    recipientKind: p.string().length(16).$type<RecipientKind>(),
    recipientId: p.string().length(64),
    kind: p.string().length(48),
    title: p.string().length(200),
    body: p.string().length(1000),
    data: p.json<Record<string, unknown>>(),
    /** One notification per business event (e.g. `refund:rf_…:SUCCEEDED`). */
    dedupeKey: p.string().length(200).unique(),
    createdAt: p.datetime().defaultRaw('now()'),
    readAt: p.datetime().nullable(),
    /** SKIPPED: no webhook configured. */
    deliveryStatus: p.string().length(16).$type<DeliveryStatus>(),
    deliveryAttempts: p.integer().default(0),
    deliveredAt: p.datetime().nullable(),
  },
  indexes: [{ properties: ['recipientKind', 'recipientId', 'createdAt'] }],
});

export type Notification = InstanceType<typeof NotificationSchema.class>;
