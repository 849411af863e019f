import { defineEntity, p } from '@mikro-orm/core';

/**
 * After-sales metrics of the cases created in one hour, kept by `case_metrics_refresh`
 * (src/cases/sql): what `caseMetrics` adds up for the whole hours of a period, so a month reads 720
 * small rows and at most two hours of cases. Durations are kept as the hour's values (seconds), so the
 * period's percentiles are computed over exactly the values the direct computation would sort.
 */
export const CaseMetricsHourSchema = defineEntity({
  name: 'CaseMetricsHour',
  tableName: 'case_metrics_hour',
  properties: {
    /** The hour's start (UTC hours: whole hours in every time zone but a few). */
    hour: p.datetime().primary(),
    cases: p.integer(),
    auto: p.integer(),
    byType: p.json<Record<string, number>>().nullable(),
    bySeverity: p.json<Record<string, number>>().nullable(),
    byOutcome: p.json<Record<string, number>>().nullable(),
    byChannel: p.json<Record<string, number>>().nullable(),
    /** Seconds from report to first review, and to resolution, of the hour's cases that have one. */
    review: p.array<number>().columnType('float8[]'),
    resolve: p.array<number>().columnType('float8[]'),
    ratings: p.integer(),
    ratingSum: p.bigint('bigint'),
    settled: p.integer(),
    /** Seconds from decision to settlement of the hour's cases' settled refunds. */
    settle: p.array<number>().columnType('float8[]'),
    settled24h: p.integer(),
    /** Minor-unit totals (digit strings) by the party bearing them now. */
    refundTotals: p.json<Record<string, string>>().nullable(),
    couponTotals: p.json<Record<string, string>>().nullable(),
    appealable: p.integer(),
    appeals: p.integer(),
    reviewed: p.integer(),
    overturned: p.integer(),
    refreshedAt: p.datetime().defaultRaw('now()'),
  },
});

export type CaseMetricsHour = InstanceType<typeof CaseMetricsHourSchema.class>;

/**
 * Hours whose metrics changed since the last refresh: one row per change to a case, decision or appeal,
 * appended by triggers in the writer's transaction (an insert: writers never wait on each other for
 * it), removed by the refresh that recomputed the hour.
 */
export const CaseMetricsChangeSchema = defineEntity({
  name: 'CaseMetricsChange',
  tableName: 'case_metrics_change',
  properties: {
    id: p.bigint('bigint').primary().autoincrement(),
    /** The hour the changed case was created in. */
    hour: p.datetime(),
  },
});

export type CaseMetricsChange = InstanceType<typeof CaseMetricsChangeSchema.class>;
