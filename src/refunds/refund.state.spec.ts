import { describe, expect, it } from 'vitest';
import {
  canTransition,
  isFinal,
  REFUND_STATUSES,
  releasesReservation,
  type RefundStatus,
} from './refund.state.js';

describe('refund state machine', () => {
  const table: [RefundStatus, RefundStatus, boolean][] = [
    ['PENDING', 'PROCESSING', true],
    ['PENDING', 'SUCCEEDED', true],
    ['PENDING', 'FAILED', true],
    ['PROCESSING', 'SUCCEEDED', true],
    ['PROCESSING', 'PENDING', false],
    ['PROCESSING', 'FAILED', false],
    ['ABNORMAL', 'PROCESSING', true],
    ['ABNORMAL', 'SUCCEEDED', true],
    ['SUCCEEDED', 'ABNORMAL', false],
    ['SUCCEEDED', 'CLOSED', false],
    ['CLOSED', 'SUCCEEDED', false],
    ['FAILED', 'PENDING', false],
  ];
  it.each(table)('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed);
  });

  it('never returns to an earlier state from a final one', () => {
    for (const from of REFUND_STATUSES.filter(isFinal)) {
      for (const to of REFUND_STATUSES) expect(canTransition(from, to)).toBe(false);
    }
  });

  it('releases the reservation only when no money went out', () => {
    expect(REFUND_STATUSES.filter(releasesReservation)).toEqual(['FAILED', 'CLOSED']);
  });
});
