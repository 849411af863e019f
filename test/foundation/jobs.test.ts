import type { Job } from 'pg-boss';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HotStatementsClient, jobQueueStatements } from '../../src/jobs/hot-statements.js';
import { createJobQueue, startJobQueue, type JobQueue } from '../../src/jobs/index.js';
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

  it("sends the worker's recurring fetch as a prepared statement", async () => {
    // The worker polls every 0.5 s; its fetch is prepared from the third poll on.
    await waitFor(
      () => jobQueueStatements.preparedTexts().some((text) => text.includes(`'test.echo'`)),
      5_000,
    );
    const client = new HotStatementsClient({ connectionString: db.url });
    await client.connect();
    try {
      const text = 'select $1::int + 1 as n';
      for (const n of [1, 2, 3, 4]) expect((await client.query(text, [n])).rows[0].n).toBe(n + 1);
      const { rows } = await client.query<{ statement: string }>(
        'select statement from pg_prepared_statements',
      );
      expect(rows.map((row) => row.statement)).toContain(text);
    } finally {
      await client.end();
    }
  });
});

/**
 * `job_enqueue` (SQL, used inside `refund_request_batch` and `refund_transition`) writes what pg-boss's own `send` writes: the same
 * row apart from id, data and clock, and the same NOTIFY. If a pg-boss upgrade changes its insert,
 * this fails before a refund job goes missing.
 */
describe('job_enqueue matches pg-boss send', () => {
  let db: { url: string; drop: () => Promise<void> };
  let api: JobQueue;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const definition = {
      name: 'test.contract',
      queue: { retryLimit: 7, retryDelay: 3, expireInSeconds: 120, retentionSeconds: 3_600 },
      handle: async () => {},
    };
    api = await startJobQueue({ url: db.url, role: 'api', definitions: [definition], logger });
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await api.stop();
    await db.drop();
  });

  it('inserts the same job row and wakes the same listeners', async () => {
    const heard: { channel: string; payload?: string }[] = [];
    client.on('notification', (n) => heard.push({ channel: n.channel, payload: n.payload }));
    const channels = await client.query<{ channel: string }>(
      `select 'pgboss_' || left(encode(sha224('pgboss'::bytea), 'hex'), 24) as channel`,
    );
    await client.query(`listen "${channels.rows[0]!.channel}"`);

    const viaBoss = await api.send('test.contract', { via: 'boss' });
    await waitFor(() => heard.length === 1);
    const viaSql = (
      await client.query<{ id: string }>(`select job_enqueue('test.contract', '{"via":"sql"}') as id`)
    ).rows[0]!.id;
    await waitFor(() => heard.length === 2);
    expect(heard).toEqual([
      { channel: channels.rows[0]!.channel, payload: 'test.contract' },
      { channel: channels.rows[0]!.channel, payload: 'test.contract' },
    ]);

    const { rows } = await client.query<Record<string, unknown>>(
      `select *, keep_until - start_after as retention, start_after - created_on as delay
         from pgboss.job where id = any($1::uuid[]) order by data->>'via'`,
      [[viaBoss, viaSql]],
    );
    expect(rows).toHaveLength(2);
    const ownPerJob = new Set(['id', 'data', 'start_after', 'created_on', 'keep_until']);
    const comparable = (row: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(row).filter(([column]) => !ownPerJob.has(column)));
    expect(comparable(rows[1]!)).toEqual(comparable(rows[0]!));
    expect(rows[1]!['retry_limit']).toBe(7);
  });

  it('delays a job as pg-boss startAfter does, without waking anyone for it', async () => {
    const heard: string[] = [];
    const onNotification = (n: pg.Notification) => heard.push(n.channel);
    client.on('notification', onNotification);
    const channel = await client.query<{ channel: string }>(
      `select 'pgboss_' || left(encode(sha224('pgboss'::bytea), 'hex'), 24) as channel`,
    );
    await client.query(`listen "${channel.rows[0]!.channel}"`);
    try {
      const viaBoss = await api.send('test.contract', { via: 'boss' }, { startAfter: 90 });
      const viaSql = (
        await client.query<{ id: string }>(`select job_enqueue('test.contract', '{"via":"sql"}', 90) as id`)
      ).rows[0]!.id;
      const { rows } = await client.query<Record<string, unknown>>(
        `select *, keep_until - start_after as retention,
                round(extract(epoch from start_after - created_on)) as delay_seconds
           from pgboss.job where id = any($1::uuid[]) order by data->>'via'`,
        [[viaBoss, viaSql]],
      );
      expect(rows).toHaveLength(2);
      expect(rows[0]!['delay_seconds']).toBe('90');
      const ownPerJob = new Set(['id', 'data', 'start_after', 'created_on', 'keep_until']);
      const comparable = (row: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(row).filter(([column]) => !ownPerJob.has(column)));
      expect(comparable(rows[1]!)).toEqual(comparable(rows[0]!));
      // A NOTIFY would be heard within a round trip: a query after the inserts delivers any pending one.
      await client.query('select 1');
      expect(heard).toEqual([]);
    } finally {
      client.off('notification', onNotification);
    }
  });

  it('queues several jobs in one call (job_enqueue_many) as send does, in order, or none for an unknown queue', async () => {
    const viaBoss = await api.send('test.contract', { via: 'boss-many' });
    const { rows: queued } = await client.query<{ n: number; id: string }>(
      `select n, id from job_enqueue_many(array['test.contract', 'test.contract'],
                                          array['{"via":"many-1"}', '{"via":"many-2","_trace":{"traceparent":"t"}}']::jsonb[])`,
    );
    expect(queued.map((q) => q.n)).toEqual([1, 2]);
    const { rows } = await client.query<Record<string, unknown>>(
      `select *, keep_until - start_after as retention, start_after - created_on as delay
         from pgboss.job where id = any($1::uuid[]) order by data->>'via'`,
      [[viaBoss, ...queued.map((q) => q.id)]],
    );
    expect(rows.map((r) => r['data'])).toEqual([
      { via: 'boss-many' },
      { via: 'many-1' },
      { via: 'many-2', _trace: { traceparent: 't' } },
    ]);
    const ownPerJob = new Set(['id', 'data', 'start_after', 'created_on', 'keep_until']);
    const comparable = (row: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(row).filter(([column]) => !ownPerJob.has(column)));
    expect(comparable(rows[1]!)).toEqual(comparable(rows[0]!));
    expect(comparable(rows[2]!)).toEqual(comparable(rows[0]!));

    const before = await client.query<{ count: string }>(`select count(*) from pgboss.job`);
    const refusal = await client
      .query(`select job_enqueue_many(array['test.contract', 'test.nowhere'], array['{}', '{}']::jsonb[])`)
      .then(
        () => null,
        (error: { code?: string; message: string }) => error,
      );
    expect(refusal).toMatchObject({ code: 'P0001', message: 'job queue test.nowhere does not exist' });
    const after = await client.query<{ count: string }>(`select count(*) from pgboss.job`);
    expect(after.rows[0]!.count).toBe(before.rows[0]!.count);
  });
});

/**
 * A start reads the queues and schedules once and writes only what differs: a new queue is created,
 * changed settings and crons are brought up to date, unchanged ones are left alone.
 */
describe('registering on a database that has the queues already', () => {
  let db: { url: string; drop: () => Promise<void> };
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.drop());

  it('creates, updates and reschedules only what changed', async () => {
    const definition = (retryLimit: number, cron: string) => ({
      name: 'test.settings',
      queue: { retryLimit, retryDelay: 5 },
      cron,
      handle: async () => {},
    });
    const first = await startJobQueue({
      url: db.url,
      role: 'worker',
      definitions: [definition(2, '0 3 * * *')],
      logger,
    });
    await first.stop();
    const second = await startJobQueue({ url: db.url, role: 'worker', logger });
    try {
      const updated = () => second.boss.getQueue('test.settings');
      const before = await updated();
      expect(before).toMatchObject({ retryLimit: 2, retryDelay: 5, notify: true });
      await second.createQueues([definition(2, '0 3 * * *')]);
      expect((await updated())!.updatedOn).toEqual(before!.updatedOn);
      await second.register([definition(4, '30 4 * * *')]);
      expect(await updated()).toMatchObject({ retryLimit: 4, retryDelay: 5, notify: true });
      expect(await second.boss.getSchedules('test.settings')).toMatchObject([
        { cron: '30 4 * * *', timezone: 'Asia/Shanghai' },
      ]);
    } finally {
      await second.stop();
    }
  });
});

/**
 * `start(definitions)`, as the service starts: the queues' read goes beside pg-boss's start. On a new
 * database that read fails (no schema yet) and is done again once pg-boss installed it.
 */
describe('starting with the queue definitions', () => {
  let db: { url: string; drop: () => Promise<void> };
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.drop());

  const definition = (retryLimit: number) => ({
    name: 'test.started',
    queue: { retryLimit, retryDelay: 7 },
    handle: async () => {},
  });
  const startedWith = async <T>(retryLimit: number, inspect: (queue: JobQueue) => Promise<T>) => {
    const queue = createJobQueue({ url: db.url, role: 'api', logger });
    try {
      await queue.start([definition(retryLimit)]);
      return await inspect(queue);
    } finally {
      await queue.stop();
    }
  };

  it('creates the queues on a new database, leaves unchanged ones alone and updates changed ones', async () => {
    const created = await startedWith(2, (queue) => queue.boss.getQueue('test.started'));
    expect(created).toMatchObject({ retryLimit: 2, retryDelay: 7, notify: true });
    const unchanged = await startedWith(2, (queue) => queue.boss.getQueue('test.started'));
    expect(unchanged!.updatedOn).toEqual(created!.updatedOn);
    const updated = await startedWith(5, (queue) => queue.boss.getQueue('test.started'));
    expect(updated).toMatchObject({ retryLimit: 5, retryDelay: 7, notify: true });
  });
});

async function waitFor(condition: () => boolean, ms = 2_000): Promise<void> {
  for (let i = 0; i < ms / 10 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}
