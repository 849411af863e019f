import { defineEntity, p } from '@mikro-orm/core';

/**
 * Inbox of verified provider notifies, stored before they are acknowledged and applied asynchronously.
 * (channel, dedupe_key) keeps one row per business event however often the provider resends it.
 */
export const ProviderNotificationSchema = defineEntity({
  name: 'ProviderNotification',
  tableName: 'provider_notification',
  properties: {
    id: p.bigint('bigint').primary().autoincrement(),
    channel: p.string().length(16),
    notifyId: p.string().length(128),
    dedupeKey: p.string().length(200),
    event: p.json<Record<string, unknown>>(),
    receivedAt: p.datetime().defaultRaw('now()'),
    deliveries: p.integer().default(1),
    /** RECEIVED, APPLIED, IGNORED (duplicate or late), EXCEPTION (mismatch; see ops_exception). */
    status: p.string().length(16),
    processedAt: p.datetime().nullable(),
    outcome: p.string().length(500).nullable(),
  },
  uniques: [{ name: 'provider_notification_dedupe_unique', properties: ['channel', 'dedupeKey'] }],
  indexes: [{ properties: ['status', 'receivedAt'] }],
});

export type ProviderNotification = InstanceType<typeof ProviderNotificationSchema.class>;

/** Something a human must look at: a signed notify that does not match our records, an unknown refund… */
export const OpsExceptionSchema = defineEntity({
  name: 'OpsException',
  tableName: 'ops_exception',
  properties: {
    id: p.string().primary().length(64),
    kind: p.string().length(48),
    severity: p.string().length(8),
    channel: p.string().length(16).nullable(),
    referenceType: p.string().length(32),
    referenceId: p.string().length(64),
    detail: p.json<Record<string, unknown>>(),
    createdAt: p.datetime().defaultRaw('now()'),
    resolvedAt: p.datetime().nullable(),
    resolvedBy: p.string().length(128).nullable(),
    resolution: p.string().length(500).nullable(),
  },
  indexes: [{ properties: ['resolvedAt', 'createdAt'] }, { properties: ['referenceType', 'referenceId'] }],
  checks: [{ name: 'ops_exception_severity_check', expression: `severity in ('LOW', 'MEDIUM', 'HIGH')` }],
});

export type OpsException = InstanceType<typeof OpsExceptionSchema.class>;
