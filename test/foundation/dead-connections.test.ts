import { describe, expect, inject, it } from 'vitest';
import { adminStatement, sqlOn, sqlOnPool } from '../../src/db/index.js';
import { createTestOrm } from '../support/db.js';

/** Rejects when `promise` is still pending after `ms`: a hang is a failure here, not a timeout of the file. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('a connection that dies inside a transaction', () => {
  it('gives its pool slot back: later statements run and the pool closes', async () => {
    // One slot: a transaction that kept it would leave every later statement waiting for ever.
    const { orm, close } = await createTestOrm(1);
    try {
      for (let round = 1; round <= 2; round++) {
        const outcome = await within(
          5_000,
          `transaction ${round}`,
          orm.em.fork().transactional(async (em) => {
            const [own] = await sqlOn(em).rows<{ pid: number }>('select pg_backend_pid() as pid');
            // The database ends the session mid-transaction (a restart, a failover, an operator).
            await adminStatement(inject('pgAdminUrl'), 'select pg_terminate_backend($1)', [own!.pid]);
          }),
        ).then(
          () => 'committed',
          (error: unknown) =>
            error instanceof Error && error.message.includes('still waiting') ? error : 'failed',
        );
        expect(outcome).toBe('failed');
        const rows = await within(5_000, `statement after ${round}`, sqlOnPool(orm).rows('select 1 as one'));
        expect(rows).toEqual([{ one: 1 }]);
      }
    } finally {
      await within(5_000, 'closing the pool', close());
    }
  });
});
