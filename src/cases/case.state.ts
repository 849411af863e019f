import { CaseError } from './cases.errors.js';

export const CASE_STATUSES = [
  'IN_REVIEW',
  'AWAITING_EVIDENCE',
  'AWAITING_CUSTOMER',
  'EXECUTING',
  'MANUAL_FOLLOW_UP',
  'RESOLVED',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/**
 * Where a case may go from each status; the same table is enforced by the database
 * (sql/after_sales_case_status_forward.sql). RESOLVED is final: a case never resolves twice.
 */
export const CASE_TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  IN_REVIEW: ['AWAITING_EVIDENCE', 'AWAITING_CUSTOMER', 'EXECUTING', 'RESOLVED'],
  AWAITING_EVIDENCE: ['IN_REVIEW', 'AWAITING_CUSTOMER', 'EXECUTING', 'RESOLVED'],
  AWAITING_CUSTOMER: ['IN_REVIEW', 'RESOLVED'],
  EXECUTING: ['RESOLVED', 'MANUAL_FOLLOW_UP'],
  MANUAL_FOLLOW_UP: ['EXECUTING', 'AWAITING_CUSTOMER', 'RESOLVED'],
  RESOLVED: [],
};

/** Statuses in which a reviewer may decide. */
export const DECIDABLE: readonly CaseStatus[] = ['IN_REVIEW', 'AWAITING_EVIDENCE', 'MANUAL_FOLLOW_UP'];

export function canMove(from: CaseStatus, to: CaseStatus): boolean {
  return CASE_TRANSITIONS[from].includes(to);
}

export function assertMove(caseId: string, from: string, to: CaseStatus): void {
  if (!canMove(from as CaseStatus, to)) {
    throw new CaseError('INVALID_CASE_STATE', `case ${caseId} is ${from}: it cannot become ${to}`, {
      status: from,
    });
  }
}
