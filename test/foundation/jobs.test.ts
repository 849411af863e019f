import type { Job } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobQueue, type JobQueue } from '../../src/jobs/index.js';
import { createLogger } from '../../src/logging/index.js';
import { createTestDatabase } from '../support/db.js';

describe('job queue (pg-boss on the same PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let api: JobQueue;
  let worker: JobQueue;
  const seen: Job<{ n: number }>[] = [];
  let done: () => void;
  const allDone = new Promise<void>((resolve) => (done = resolve));

  beforeAll(async () => {
    db = await createTestDatabase();
    const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const definition = {
      name: 'test.echo',
      work: { pollingIntervalSeconds: 0.5 },
      handle: async (job: Job<object>) => {
        seen.push(job as Job<{ n: number }>);
        if (seen.length === 3) done();
      },
    };
    api = await startJobQueue({ url: db.url, role: 'api', definitions: [definition], logger });
    worker = await startJobQueue({ url: db.url, role: 'worker', definitions: [definition], logger });
  });
  afterAll(async () => {
    await api.stop();
    await worker.stop();
    await db.drop();
  });

  it('delivers what the api role sends to the worker role, once each', async () => {
    for (const n of [1, 2, 3]) await api.send('test.echo', { n });
    await allDone;
    expect(seen.map((job) => job.data.n).sort()).toEqual([1, 2, 3]);
  });
});
