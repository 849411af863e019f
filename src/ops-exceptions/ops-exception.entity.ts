import { defineEntity, p } from '@mikro-orm/core';
import type { Channel } from '../providers/index.js';
import type { ExceptionFigure, ExceptionSeverity } from './ops-exceptions.model.js';

/** `detail` as stored: a reason and figures, plus whatever the raiser added (old rows may lack any). */
export interface ExceptionDetail {
  readonly reason?: unknown;
  readonly notifyId?: unknown;
  readonly figures?: readonly ExceptionFigure[];
}

/** Something a human must look at: a signed notify that does not match our records, an unknown refund… */
export const OpsExceptionSchema = defineEntity({
  name: 'OpsException',
  tableName: 'ops_exception',
  properties: {
    id: p.string().primary().length(64),
    kind: p.string().length(48),
    severity: p.string().length(8).$type<ExceptionSeverity>(),
    channel: p.string().length(16).$type<Channel>().nullable(),
    referenceType: p.string().length(32),
    referenceId: p.string().length(64),
    detail: p.json<ExceptionDetail>(),
    createdAt: p.datetime().defaultRaw('now()'),
    resolvedAt: p.datetime().nullable(),
    resolvedBy: p.string().length(128).nullable(),
    resolution: p.string().length(500).nullable(),
  },
  indexes: [{ properties: ['resolvedAt', 'createdAt'] }, { properties: ['referenceType', 'referenceId'] }],
  checks: [{ name: 'ops_exception_severity_check', expression: `severity in ('LOW', 'MEDIUM', 'HIGH')` }],
});

export type OpsException = InstanceType<typeof OpsExceptionSchema.class>;
