import { defineEntity, p } from '@mikro-orm/core';
import type { Channel } from '../providers/index.js';
import type { InboxStatus } from './callbacks.model.js';

/**
 * Inbox of verified provider notifies, stored before they are acknowledged and applied asynchronously.
 * (channel, dedupe_key) keeps one row per business event however often the provider resends it.
 */
export const ProviderNotificationSchema = defineEntity({
  name: 'ProviderNotification',
  tableName: 'provider_notification',
  properties: {
    id: p.bigint('bigint').primary().autoincrement(),
    channel: p.string().length(16).$type<Channel>(),
    notifyId: p.string().length(128),
    dedupeKey: p.string().length(200),
    event: p.json<Record<string, unknown>>(),
    receivedAt: p.datetime().defaultRaw('now()'),
    deliveries: p.integer().default(1),
    /** RECEIVED, APPLIED, IGNORED (duplicate or late), EXCEPTION (mismatch; see ops_exception). */
    status: p.string().length(16).$type<InboxStatus>(),
    processedAt: p.datetime().nullable(),
    outcome: p.string().length(500).nullable(),
  },
  uniques: [{ name: 'provider_notification_dedupe_unique', properties: ['channel', 'dedupeKey'] }],
  indexes: [{ properties: ['status', 'receivedAt'] }],
});

export type ProviderNotification = InstanceType<typeof ProviderNotificationSchema.class>;
